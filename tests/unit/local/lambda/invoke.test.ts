// Lambda's Invoke API client and the framework's naming rules the local platform relies on.
import {
  errorMessage,
  functionArn,
  functionKeyForLogicalId,
  functionName,
  invokeFunction,
  lambdaLogicalId,
  localInvoker,
  referencedFunctionKey,
} from '../../../../infra/local/lambda/invoke';
import type { ServiceConfig } from '../../../../infra/service-config';

const config: ServiceConfig = {
  service: 'shelf',
  provider: { region: 'us-east-1', stage: 'local' },
  functions: {
    processUpload: { handler: 'p.handler', name: 'shelf-local-processUpload' },
    'import-csv_v2': { handler: 'x.handler' },
  },
  resources: { Resources: {} },
};

describe('function names', () => {
  it("gives a function's logical id by the framework's rule", () => {
    expect(lambdaLogicalId('processUpload')).toBe('ProcessUploadLambdaFunction');
    expect(lambdaLogicalId('import-csv_v2')).toBe('ImportDashcsvUnderscorev2LambdaFunction');
  });

  it('maps a logical id back to the function key', () => {
    expect(functionKeyForLogicalId(config.functions, 'ProcessUploadLambdaFunction')).toBe('processUpload');
    expect(functionKeyForLogicalId(config.functions, 'ImportDashcsvUnderscorev2LambdaFunction')).toBe('import-csv_v2');
    expect(functionKeyForLogicalId(config.functions, 'ProcessUploadsLambdaFunction')).toBeUndefined();
  });

  it('names and ARNs a function as deployed, with the default name when print gave none', () => {
    expect(functionName(config, 'processUpload')).toBe('shelf-local-processUpload');
    expect(functionName(config, 'import-csv_v2')).toBe('shelf-local-import-csv_v2');
    expect(functionArn(config, 'processUpload')).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload',
    );
  });

  it('finds the function a resource names, from GetAtt (either form) or a function ARN', () => {
    expect(referencedFunctionKey({ 'Fn::GetAtt': ['ProcessUploadLambdaFunction', 'Arn'] }, config)).toBe(
      'processUpload',
    );
    expect(referencedFunctionKey({ 'Fn::GetAtt': 'ProcessUploadLambdaFunction.Arn' }, config)).toBe('processUpload');
    expect(
      referencedFunctionKey('arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload', config),
    ).toBe('processUpload');
    expect(referencedFunctionKey({ 'Fn::GetAtt': ['SomeQueue', 'Arn'] }, config)).toBeUndefined();
    expect(referencedFunctionKey({ 'Fn::GetAtt': ['ProcessUploadLambdaFunction', 'Name'] }, config)).toBeUndefined();
  });
});

describe('the Invoke API', () => {
  let fetchMock: jest.SpiedFunction<typeof fetch>;
  beforeEach(() => (fetchMock = jest.spyOn(globalThis, 'fetch')));
  afterEach(() => fetchMock.mockRestore());

  it('posts the event as a RequestResponse invocation and returns the result', async () => {
    fetchMock.mockResolvedValue(new Response('{"ok":true}', { status: 200 }));

    const invocation = await invokeFunction('http://127.0.0.1:3002', 'shelf-local-processUpload', { a: 1 });

    expect(invocation).toEqual({ status: 200, payload: { ok: true } });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('http://127.0.0.1:3002/2015-03-31/functions/shelf-local-processUpload/invocations');
    expect(init!.headers).toEqual(expect.objectContaining({ 'x-amz-invocation-type': 'RequestResponse' }));
    expect(init!.body).toBe('{"a":1}');
  });

  it("reports the function's error from the X-Amz-Function-Error header, and its message", async () => {
    fetchMock.mockResolvedValue(
      new Response('{"errorMessage":"not a CSV","errorType":"Error"}', {
        status: 200,
        headers: { 'X-Amz-Function-Error': 'Unhandled' },
      }),
    );

    const invocation = await invokeFunction('http://127.0.0.1:3002', 'f', {});

    expect(invocation.functionError).toBe('Unhandled');
    expect(errorMessage(invocation)).toBe('not a CSV');
  });

  it('names the error type when the message is empty', () => {
    expect(
      errorMessage({ status: 200, functionError: 'Unhandled', payload: { errorMessage: '', errorType: 'ZodError' } }),
    ).toBe('ZodError');
    expect(errorMessage({ status: 200, functionError: 'Unhandled', payload: null })).toBe('Unhandled');
  });

  it('turns a function host that does not answer into a failed invocation, not an exception', async () => {
    fetchMock.mockRejectedValue(new Error('connect ECONNREFUSED'));

    const invocation = await localInvoker('http://127.0.0.1:3002', config)('processUpload', {});

    expect(invocation).toEqual({
      status: 0,
      functionError: 'InvokeFailed',
      payload: { errorMessage: 'http://127.0.0.1:3002 did not answer: connect ECONNREFUSED' },
    });
    expect(fetchMock.mock.calls[0]![0]).toContain('/functions/shelf-local-processUpload/');
  });
});
