// The S3 and SQS modules' triggers running on one trigger context, as start-shelf.ts starts them,
// against a mocked SQS (an empty queue unless a test says otherwise) and a spied fetch (the Invoke
// API of serverless-offline): what the two modules' "running" tests share.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { startS3Notifications } from '../../../../infra/local/aws/s3/s3-notifications';
import { startSqsTriggers } from '../../../../infra/local/aws/sqs/service';
import { queueArn, serviceConfig, triggerContext } from './import-pipeline';

/**
 * Call it in a describe block: it adds that block's beforeEach (SQS mocked afresh, fetch spied on)
 * and afterEach (fetch restored). `fetchMock` and `lines` are read when used (each test has its
 * own), so take them from the object returned rather than destructuring them once.
 */
export function runningTriggers() {
  const sqs = mockClient(SQSClient);
  let fetchMock: jest.SpiedFunction<typeof fetch> | undefined;
  let lines: string[] = [];

  beforeEach(() => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl?: string }) => ({
      Attributes: { QueueArn: queueArn(input.QueueUrl!.split('/').at(-1)!) },
    }));
    sqs.on(ReceiveMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'sent-1' });
    fetchMock = jest.spyOn(globalThis, 'fetch');
  });

  afterEach(() => fetchMock!.mockRestore());

  return {
    sqs,
    /** This test's spy on fetch. */
    get fetchMock(): jest.SpiedFunction<typeof fetch> {
      return fetchMock!;
    },
    /** What the triggers of this test's start() logged. */
    get lines(): string[] {
      return lines;
    },
    /** An Invoke API answer: 200 with a JSON payload (add X-Amz-Function-Error for a function error). */
    json: (body: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } }),
    /** Each invocation so far: the Invoke API URL called and the event sent. */
    invokedEvents: () =>
      fetchMock!.mock.calls.map(([url, init]) => ({ url: url as string, event: JSON.parse(init!.body as string) })),
    /** The S3 and SQS modules' triggers on one context, as start-shelf.ts starts them. */
    start: async (config = serviceConfig()) => {
      const context = triggerContext(config);
      lines = context.lines;
      const sqsTriggers = await startSqsTriggers(context, {
        pollIntervalMs: 5,
        stopTimeoutMs: 200,
        failedRecordRetrySeconds: 2,
      });
      const s3Triggers = startS3Notifications(context, { retryDelayMs: 5, stopTimeoutMs: 200 });
      const sources = {
        sources: [...s3Triggers.sources, ...sqsTriggers.sources],
        idle: async () => {
          await s3Triggers.idle();
          await sqsTriggers.idle();
        },
        stop: async () => {
          await Promise.all([s3Triggers.stop(), sqsTriggers.stop()]);
          context.destinations.close();
        },
      };
      return { sources, s3Server: context.s3Server };
    },
  };
}
