// The error digest through the local stack: a function that logs an error (getProductHistory
// invoked with an event that is not its trigger's, as `npm run invoke -- getProductHistory --event -`
// does it) has its error line delivered by the local CloudWatch Logs subscription to digestErrors,
// which publishes one digest to ops-alerts; the ops@example.com subscriber's mailbox (the local
// SNS's `snsMail`) shows it. A second error within five minutes is held for the next digest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { localCredentials } from '../../infra/local/aws/local-credentials';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import { until } from './helpers';

interface Mail {
  to: string;
  subject: string;
  body: string;
}

const stack = () =>
  JSON.parse(readFileSync(join(process.env.SHELF_TEST_DATA_DIR!, 'stack.json'), 'utf8')) as {
    stackInfo: { sns: { snsMail: string } };
    resources: Record<string, { ref: string }>;
  };

// No other test or lab forces errors in this function: the stack's throttle slot for it is ours.
const source = 'shelf-local-getProductHistory';

async function digestsOf(functionName: string): Promise<Mail[]> {
  const response = await fetch(stack().stackInfo.sns.snsMail);
  const mail = (await response.json()) as Mail[];
  return mail.filter(({ subject }) => subject.endsWith(` in ${functionName}`));
}

const forceError = async () => {
  const invocation = await invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, source, {});
  // The route's wrapper refuses an event that is not API Gateway's, logging it at ERROR.
  expect(invocation.payload).toMatchObject({ statusCode: 500 });
};

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: process.env.SHELF_TEST_DYNAMODB_URL,
    region: process.env.SHELF_TEST_REGION,
    credentials: localCredentials,
  }),
);

afterAll(() => documents.destroy());

describe('error digests on ops-alerts', () => {
  it('sends one digest for an error, and holds a second error of the next five minutes for the next digest', async () => {
    expect(await digestsOf(source)).toEqual([]);

    await forceError();
    const [digest, ...more] = await until('the digest on ops-alerts', async () => {
      const digests = await digestsOf(source);
      return digests.length ? digests : undefined;
    });

    expect(more).toEqual([]);
    expect(digest).toMatchObject({ to: 'ops@example.com', subject: `Shelf: 1 error in ${source}` });
    expect(digest!.body).toContain(`1 error in ${source}, from `);
    expect(digest!.body).toContain('  1 × Event is not an HTTP API payload 2.0 event');
    expect(digest!.body).toContain('"level":"ERROR"');
    expect(digest!.body).toContain(
      '#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fshelf-local-getProductHistory',
    );

    await forceError();
    const table = stack().resources.ErrorDigestsTable!.ref;
    const slot = await until('the second error held in the throttle', async () => {
      const { Item } = await documents.send(new GetCommand({ TableName: table, Key: { source } }));
      return Item?.heldCount === 1 ? Item : undefined;
    });

    expect(slot.sentAt).toBeGreaterThan(Date.now() - 5 * 60_000);
    expect(await digestsOf(source)).toHaveLength(1);
  });
});
