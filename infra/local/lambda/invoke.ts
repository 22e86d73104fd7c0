/**
 * Lambda's Invoke API as the local platform calls it: serverless-offline serves it (its Lambda
 * port) and runs the bundled handler with the function's environment from serverless.yml. Every
 * trigger here (async invocations, pollers, `npm run invoke`) invokes through this one client,
 * and names functions as the framework does.
 */
import type { FunctionConfig, ServiceConfig } from '../../service-config';
import { localAccountId } from '../local-resources';

/** The framework's logical id of a function's AWS::Lambda::Function (its naming rule). */
export function lambdaLogicalId(functionKey: string): string {
  const normalized = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

export function functionKeyForLogicalId(
  functions: Record<string, FunctionConfig>,
  logicalId: string,
): string | undefined {
  return Object.keys(functions).find((key) => lambdaLogicalId(key) === logicalId);
}

/** The deployed name, which serverless-offline's Lambda endpoint also answers to. */
export function functionName(config: ServiceConfig, functionKey: string): string {
  return config.functions[functionKey]?.name ?? `${config.service}-${config.provider.stage}-${functionKey}`;
}

/** The function's ARN in the local account, as Lambda writes it into records and events. */
export function functionArn(config: ServiceConfig, functionKey: string): string {
  return `arn:aws:lambda:${config.provider.region}:${localAccountId}:function:${functionName(config, functionKey)}`;
}

/**
 * The function a resource names: `Fn::GetAtt: [XLambdaFunction, Arn]` (either form), a literal
 * function ARN, or undefined when it names no function of this service.
 */
export function referencedFunctionKey(reference: unknown, config: ServiceConfig): string | undefined {
  const getAtt = (reference as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  if (getAtt !== undefined) {
    const [logicalId, attribute] = Array.isArray(getAtt)
      ? (getAtt as string[])
      : typeof getAtt === 'string'
        ? getAtt.split('.')
        : [];
    return attribute === 'Arn' && logicalId ? functionKeyForLogicalId(config.functions, logicalId) : undefined;
  }
  if (typeof reference === 'string') {
    const name = /:function:([^:]+)/.exec(reference)?.[1];
    return Object.keys(config.functions).find((key) => functionName(config, key) === name);
  }
  return undefined;
}

export interface Invocation {
  /** The Invoke API's HTTP status: 200 also when the function failed. */
  status: number;
  /** `Unhandled` when the function failed, the API's error type when the call did. */
  functionError?: string;
  /** The function's result, or its error (`errorMessage`, `errorType`, `trace`). */
  payload: unknown;
}

/** Lambda's Invoke API (RequestResponse) on serverless-offline's Lambda endpoint. */
export async function invokeFunction(
  lambdaEndpoint: string,
  name: string,
  event: unknown,
  signal?: AbortSignal,
): Promise<Invocation> {
  const response = await fetch(`${lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
    body: JSON.stringify(event),
    signal,
  });
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  }
  const functionError =
    response.headers.get('x-amz-function-error') ??
    response.headers.get('x-amzn-errortype') ??
    (response.status === 200 ? undefined : `HTTP ${response.status}`);
  return { status: response.status, payload, ...(functionError ? { functionError } : {}) };
}

/**
 * The same, as the triggers call it: a function host that does not answer is an invocation that
 * failed (`InvokeFailed`), retried like any other failure, never an exception in the trigger.
 */
export function localInvoker(
  lambdaEndpoint: string,
  config: ServiceConfig,
): (functionKey: string, event: unknown, signal?: AbortSignal) => Promise<Invocation> {
  return (functionKey, event, signal) =>
    invokeFunction(lambdaEndpoint, functionName(config, functionKey), event, signal).catch(
      (error: Error): Invocation => ({
        status: 0,
        functionError: 'InvokeFailed',
        payload: { errorMessage: `${lambdaEndpoint} did not answer: ${error.message}` },
      }),
    );
}

/**
 * The function's error message, for a log line; its error type when the message is empty (an
 * error whose message is a getter loses it on its way out of serverless-offline's worker).
 */
export function errorMessage(invocation: Invocation): string {
  const payload = invocation.payload as { errorMessage?: unknown; errorType?: unknown; Message?: unknown } | null;
  for (const text of [payload?.errorMessage, payload?.Message, payload?.errorType]) {
    if (typeof text === 'string' && text) return text;
  }
  return invocation.functionError ?? 'failed';
}
