/**
 * Runs a CloudFront Function's code (AWS::CloudFront::Function, FunctionCode) on this machine, so
 * the local web server routes requests with the very code the distribution runs, read from the
 * template rather than copied. CloudFront Functions are plain JavaScript with a global `handler`.
 */
export interface ViewerRequest {
  uri: string;
  method: string;
}

export type ViewerRequestFunction = (request: ViewerRequest) => ViewerRequest;

export function loadCloudFrontFunction(code: string): ViewerRequestFunction {
  // The code is ours (serverless.yml's resources), evaluated like the runtime does: a script
  // that declares `handler`.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const script = new Function(`${code}\nreturn handler;`) as () => unknown;
  const handler = script() as (event: { request: ViewerRequest }) => ViewerRequest;
  if (typeof handler !== 'function') throw new Error('The CloudFront Function declares no handler');
  return (request) => handler({ request: { ...request } });
}
