// The asynchronous-invocation core on its own: a fake Invoke API, a fake clock (sleeping moves it
// on at once) and destinations recorded as delivered, so retries, back-off, event age, the
// destinations, the dead-letter queue and the invocation record are checked exactly.
import {
  asyncSettings,
  invocationRecord,
  startAsyncInvocations,
  type AsyncInvokeOptions,
} from '../../../../infra/local/lambda/async-invoke';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { FunctionConfig, ServiceConfig } from '../../../../infra/service-config';
import { recordingDestinations, type Delivered } from './recording-destinations';

const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const failuresQueue = queueArn('shelf-local-upload-failures');
const dlq = queueArn('shelf-local-dlq');
const successes = queueArn('shelf-local-successes');

function serviceConfig(fn: Partial<FunctionConfig> = {}): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local' },
    functions: {
      processUpload: {
        handler: 'services/imports/process-upload.handler',
        name: 'shelf-local-processUpload',
        destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['UploadFailuresQueue', 'Arn'] } } },
        ...fn,
      },
      notify: { handler: 'x.handler', name: 'shelf-local-notify' },
    },
    resources: { Resources: {} },
  };
}

const resources = new Map<string, LocalResource>([
  ['UploadFailuresQueue', { type: 'AWS::SQS::Queue', ref: 'http://q/failures', arn: failuresQueue }],
]);

const failed = (message = 'not a CSV'): Invocation => ({
  status: 200,
  functionError: 'Unhandled',
  payload: { errorMessage: message, errorType: 'Error', trace: [] },
});
const succeeded = (payload: unknown = { outcome: 'read' }): Invocation => ({ status: 200, payload });

interface Harness {
  invoke: jest.Mock<Promise<Invocation>, [string, unknown, AbortSignal?]>;
  delivered: Delivered[];
  slept: number[];
  lines: string[];
  clock: { now: number };
  options: AsyncInvokeOptions;
}

/** `answers` are what the function returns, one per invocation; `takesMs` is how long each runs. */
function harness(config: ServiceConfig, answers: Invocation[], takesMs = 0): Harness {
  const clock = { now: Date.UTC(2026, 2, 1, 10) };
  const delivered: Harness['delivered'] = [];
  const slept: number[] = [];
  const lines: string[] = [];
  const destinations = recordingDestinations(delivered);
  const invoke = jest.fn((_key: string, _event: unknown, _signal?: AbortSignal) => {
    clock.now += takesMs;
    return Promise.resolve(answers.shift() ?? succeeded());
  });
  return {
    invoke,
    delivered,
    slept,
    lines,
    clock,
    options: {
      config,
      intrinsics: localIntrinsics(config, resources),
      invoke,
      destinations,
      log: (line) => lines.push(line),
      timing: {
        now: () => clock.now,
        sleep: (ms) => {
          slept.push(ms);
          clock.now += ms;
          return Promise.resolve(true);
        },
      },
    },
  };
}

const event = { Records: [{ s3: { object: { key: 'uploads/a.csv' } } }] };
const label = 'S3 UploadsBucket → processUpload: uploads/a.csv';

describe('asynchronous invocation', () => {
  it('invokes once and reports nothing more when the function succeeds', async () => {
    const h = harness(serviceConfig(), [succeeded()]);
    const async = startAsyncInvocations(h.options);

    const outcome = await async.invoke('processUpload', event, label);

    expect(outcome).toEqual({ condition: 'Success', attempts: 1 });
    expect(h.invoke).toHaveBeenCalledTimes(1);
    expect(h.invoke.mock.calls[0]!.slice(0, 2)).toEqual(['processUpload', event]);
    expect(h.delivered).toEqual([]);
    expect(h.lines).toEqual([label]);
  });

  it("retries twice after a second and two, then sends Lambda's record to the on-failure destination", async () => {
    const h = harness(serviceConfig(), [failed(), failed(), failed()]);
    const async = startAsyncInvocations(h.options);

    const outcome = await async.invoke('processUpload', event, label);

    expect(outcome).toEqual({ condition: 'RetriesExhausted', attempts: 3, sentTo: 'shelf-local-upload-failures' });
    expect(h.invoke).toHaveBeenCalledTimes(3);
    expect(h.slept).toEqual([1000, 2000]);
    expect(h.delivered).toHaveLength(1);
    expect(h.delivered[0]!.arn).toBe(failuresQueue);
    expect(JSON.parse(h.delivered[0]!.message.body)).toEqual({
      version: '1.0',
      timestamp: '2026-03-01T10:00:03.000Z',
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'not a CSV', errorType: 'Error', trace: [] },
    });
    expect(h.lines).toEqual([
      `${label} failed (attempt 1 of 3): not a CSV; retrying in 1 s`,
      `${label} failed (attempt 2 of 3): not a CSV; retrying in 2 s`,
      `${label} failed (attempt 3 of 3): not a CSV; event sent to shelf-local-upload-failures`,
    ]);
  });

  it('stops retrying at the first success, and says which attempt it was', async () => {
    const h = harness(serviceConfig(), [failed(), succeeded()]);

    const outcome = await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(outcome).toEqual({ condition: 'Success', attempts: 2 });
    expect(h.delivered).toEqual([]);
    expect(h.lines.at(-1)).toBe(`${label} (attempt 2 of 3)`);
  });

  it.each([
    [0, 1],
    [1, 2],
    [5, 3],
    [-1, 1],
  ])('honours maximumRetryAttempts %i (kept within 0-2): %i invocations', async (retries, invocations) => {
    const h = harness(serviceConfig({ maximumRetryAttempts: retries }), [failed(), failed(), failed(), failed()]);

    await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(h.invoke).toHaveBeenCalledTimes(invocations);
    expect(h.delivered).toHaveLength(1);
  });

  it('does not try an event again once it is older than maximumEventAge: EventAgeExceeded', async () => {
    // Each run takes 40 s; after the second run and its 2 s back-off the event is 83 s old.
    const h = harness(serviceConfig({ maximumEventAge: 60 }), [failed(), failed(), failed()], 40_000);

    const outcome = await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(outcome.condition).toBe('EventAgeExceeded');
    expect(h.invoke).toHaveBeenCalledTimes(2);
    const record = JSON.parse(h.delivered[0]!.message.body);
    expect(record.requestContext).toEqual(
      expect.objectContaining({ condition: 'EventAgeExceeded', approximateInvokeCount: 2 }),
    );
    expect(h.lines.at(-1)).toBe(
      `${label}: older than its maximumEventAge (60 s), not tried again; event sent to shelf-local-upload-failures`,
    );
  });

  it('sends a Success record to the on-success destination', async () => {
    const h = harness(serviceConfig({ destinations: { onSuccess: successes } }), [succeeded({ rows: 3 })]);

    const outcome = await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(outcome).toEqual({ condition: 'Success', attempts: 1, sentTo: 'shelf-local-successes' });
    const record = JSON.parse(h.delivered[0]!.message.body);
    expect(record.requestContext.condition).toBe('Success');
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(record.responsePayload).toEqual({ rows: 3 });
  });

  it("sends the event itself to the function's dead-letter queue when it has no on-failure destination", async () => {
    const h = harness(serviceConfig({ destinations: undefined, onError: dlq, maximumRetryAttempts: 0 }), [
      failed('bad header'),
    ]);

    const outcome = await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(outcome).toEqual({ condition: 'RetriesExhausted', attempts: 1, sentTo: 'shelf-local-dlq' });
    expect(h.delivered).toEqual([
      {
        arn: dlq,
        message: {
          body: JSON.stringify(event),
          attributes: { RequestID: expect.any(String), ErrorCode: 200, ErrorMessage: 'bad header' },
        },
      },
    ]);
    expect(h.lines.at(-1)).toMatch(/event sent to the dead-letter queue shelf-local-dlq$/);
  });

  it('prefers the on-failure destination to the dead-letter queue', async () => {
    const h = harness(serviceConfig({ onError: dlq, maximumRetryAttempts: 0 }), [failed()]);

    await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(h.delivered.map((d) => d.arn)).toEqual([failuresQueue]);
  });

  it('drops the event, saying why, when its destination cannot be delivered to locally', async () => {
    const h = harness(
      serviceConfig({
        destinations: { onFailure: { type: 'sns', arn: 'arn:aws:sns:us-east-1:000000000000:alerts' } },
        maximumRetryAttempts: 0,
      }),
      [failed()],
    );

    const outcome = await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(outcome).toEqual({ condition: 'RetriesExhausted', attempts: 1 });
    expect(h.lines.at(-1)).toBe(
      `${label} failed (attempt 1 of 1): not a CSV; event dropped: sns destinations are not delivered locally`,
    );
  });

  it('says so when there is nowhere to send a failed event', async () => {
    const h = harness(serviceConfig({ destinations: undefined, maximumRetryAttempts: 0 }), [failed()]);

    await startAsyncInvocations(h.options).invoke('processUpload', event, label);

    expect(h.lines.at(-1)).toMatch(/event dropped \(no on-failure destination\)$/);
  });

  it('is idle once every queued event is done with, retries included', async () => {
    const h = harness(serviceConfig(), [failed(), succeeded(), succeeded()]);
    const async = startAsyncInvocations(h.options);

    void async.invoke('processUpload', event, label);
    void async.invoke('notify', { n: 2 }, 'notify');
    await async.idle();

    expect(h.invoke).toHaveBeenCalledTimes(3);
  });

  it('stops at once while an event waits for its retry, abandoning it', async () => {
    const h = harness(serviceConfig(), [failed()]);
    // The real, interruptible sleep with AWS's own back-off.
    const async = startAsyncInvocations({ ...h.options, timing: { retryDelayMs: 60_000 } });

    const outcome = async.invoke('processUpload', event, label);
    while (!h.lines.length) await new Promise((resolve) => setImmediate(resolve));
    const started = Date.now();
    await async.stop();

    await expect(outcome).resolves.toEqual({ condition: 'Abandoned', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(h.delivered).toEqual([]);
    await expect(async.invoke('processUpload', event, label)).resolves.toEqual({ condition: 'Abandoned', attempts: 0 });
  });

  it('abandons an invocation still running after its stop timeout', async () => {
    const h = harness(serviceConfig(), []);
    h.invoke.mockImplementation(
      (_key, _event, signal) =>
        new Promise((resolve) => signal!.addEventListener('abort', () => resolve(failed('aborted')))),
    );
    const async = startAsyncInvocations({ ...h.options, timing: { stopTimeoutMs: 50 } });

    const outcome = async.invoke('processUpload', event, label);
    await async.stop();

    await expect(outcome).resolves.toEqual({ condition: 'Abandoned', attempts: 1 });
    expect(h.delivered).toEqual([]);
  });
});

describe('asynchronous invocation settings', () => {
  it("reads a function's retries, event age, destinations and dead-letter queue from serverless.yml", () => {
    const config = serviceConfig({
      maximumRetryAttempts: 1,
      maximumEventAge: 7200,
      onError: dlq,
      destinations: {
        onSuccess: 'notify',
        onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['UploadFailuresQueue', 'Arn'] } },
      },
    });

    expect(asyncSettings(config, 'processUpload', localIntrinsics(config, resources))).toEqual({
      maximumRetryAttempts: 1,
      maximumEventAgeSeconds: 7200,
      onSuccess: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-notify',
      onFailure: failuresQueue,
      deadLetter: dlq,
    });
  });

  it("has Lambda's defaults, and keeps values within Lambda's limits", () => {
    const config = serviceConfig({ destinations: undefined, maximumEventAge: 10 });

    expect(asyncSettings(config, 'processUpload', localIntrinsics(config, resources))).toEqual({
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 60,
    });
  });
});

describe('the invocation record', () => {
  it("is Lambda's destination record: request, condition, invoke count and the error", () => {
    const record = invocationRecord({
      requestId: 'req-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload',
      event: { Records: [] },
      invocation: failed('boom'),
      invokeCount: 3,
      timestamp: new Date('2026-03-01T10:00:03.000Z'),
    });

    expect(record).toEqual({
      version: '1.0',
      timestamp: '2026-03-01T10:00:03.000Z',
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-processUpload:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { Records: [] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom', errorType: 'Error', trace: [] },
    });
  });
});
