// digestErrors fed AWS's sample CloudWatch Logs event and deliveries built like it, with DynamoDB
// (the throttle, ErrorDigestsTable) and SNS (ops-alerts) mocked at the SDK: every call, and what
// happens when each fails.
import { gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/ops/digest-errors';
import sample from '../../fixtures/events/cloudwatch-logs-event.json';
import { lambdaContext } from '../../helpers/http-events';

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const table = 'shelf-test-error-digests';
const topicArn = 'arn:aws:sns:us-east-1:123456789012:shelf-test-ops-alerts';
const logGroup = '/aws/lambda/shelf-test-placeOrder';
const powertools = (level: string, message: string) =>
  JSON.stringify({ level, message, service: 'shelf', function_name: 'shelf-test-placeOrder' });

/** A delivery as CloudWatch Logs sends it: gzipped JSON in base64. */
function delivery(messages: string[], overrides: object = {}) {
  const data = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: '2026/12/03/[$LATEST]0123456789abcdef0123456789abcdef',
    subscriptionFilters: ['shelf-test-PlaceOrderErrorDigestSubscription-AbCd'],
    logEvents: messages.map((message, i) => ({ id: `${i}`.padStart(56, '0'), timestamp: 1796281200000 + i, message })),
    ...overrides,
  };
  return { awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } };
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  dynamo.reset();
  sns.reset();
  dynamo.on(UpdateCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('digestErrors', () => {
  it("takes the log group's slot and publishes a digest of AWS's sample event", async () => {
    const outcomes = await handler(sample, lambdaContext());

    expect(outcomes).toEqual([{ source: 'testLogGroup', errors: 2, outcome: 'sent' }]);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: table,
      Key: { source: 'testLogGroup' },
      ConditionExpression: 'attribute_not_exists(sentAt) OR sentAt <= :notBefore',
      ReturnValues: 'ALL_OLD',
    });
    const values = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues!;
    expect(values[':now'] - values[':notBefore']).toBe(5 * 60_000);
    // The item expires (TTL, epoch seconds) 30 days after its last write.
    expect(values[':expiresAt'] - values[':now'] / 1000).toBeCloseTo(30 * 24 * 3600, -1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const published = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(published).toMatchObject({ TopicArn: topicArn, Subject: 'Shelf: 2 errors in testLogGroup' });
    expect(published.Message).toContain(
      '2 errors in testLogGroup, from 2015-08-24T19:03:07.000Z to 2015-08-24T19:03:07.001Z:',
    );
    expect(published.Message).toContain('  2 × Error');
    expect(published.Message).toContain('[ERROR] First test message');
  });

  it('holds the errors for the next digest when a digest went out less than five minutes ago', async () => {
    dynamo.on(UpdateCommand, { ReturnValues: 'ALL_OLD' }).rejects(conditionFailed());

    const outcomes = await handler(
      delivery([powertools('ERROR', 'Stock not reserved'), powertools('ERROR', 'Stock not reserved')]),
      lambdaContext(),
    );

    expect(outcomes).toEqual([{ source: 'shelf-test-placeOrder', errors: 2, outcome: 'held' }]);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(dynamo.commandCalls(UpdateCommand)[1]!.args[0].input).toMatchObject({
      TableName: table,
      Key: { source: 'shelf-test-placeOrder' },
      UpdateExpression: expect.stringContaining('ADD heldCount :count'),
      ExpressionAttributeValues: { ':count': 2, ':firstAt': 1796281200000, ':lastAt': 1796281200001 },
    });
  });

  it('reports what was held since the last digest, which taking the slot cleared', async () => {
    dynamo.on(UpdateCommand, { ReturnValues: 'ALL_OLD' }).resolves({
      Attributes: {
        source: 'shelf-test-placeOrder',
        sentAt: 1,
        heldCount: 4,
        heldFirstAt: 1796280900000,
        heldLastAt: 1796281000000,
      },
    });

    await handler(delivery([powertools('ERROR', 'Stock not reserved')]), lambdaContext());

    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.UpdateExpression).toContain(
      'REMOVE heldCount, heldFirstAt, heldLastAt',
    );
    const { Subject, Message } = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(Subject).toBe('Shelf: 5 errors in shelf-test-placeOrder');
    expect(Message).toContain('4 errors, from 2026-12-03T06:55:00.000Z to 2026-12-03T06:56:40.000Z');
  });

  it('gives the slot and what it held back, and fails for Lambda to retry, when SNS refuses the digest', async () => {
    dynamo.on(UpdateCommand, { ReturnValues: 'ALL_OLD' }).resolves({
      Attributes: { source: 'shelf-test-placeOrder', heldCount: 4, heldFirstAt: 1, heldLastAt: 2 },
    });
    sns.on(PublishCommand).rejects(new Error('KMS key disabled'));

    await expect(handler(delivery([powertools('ERROR', 'Stock not reserved')]), lambdaContext())).rejects.toThrow(
      'KMS key disabled',
    );

    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(dynamo.commandCalls(UpdateCommand)[1]!.args[0].input).toMatchObject({
      Key: { source: 'shelf-test-placeOrder' },
      UpdateExpression: expect.stringMatching(/^REMOVE sentAt SET .* ADD heldCount :count$/),
      ExpressionAttributeValues: { ':count': 4, ':firstAt': 1, ':lastAt': 2 },
    });
  });

  it('gives the slot back alone when nothing was held and SNS refuses the digest', async () => {
    sns.on(PublishCommand).rejects(new Error('Throttled'));

    await expect(handler(delivery([powertools('ERROR', 'x')]), lambdaContext())).rejects.toThrow('Throttled');

    expect(dynamo.commandCalls(UpdateCommand)[1]!.args[0].input).toEqual({
      TableName: table,
      Key: { source: 'shelf-test-placeOrder' },
      UpdateExpression: 'REMOVE sentAt',
    });
  });

  it('fails, publishing nothing, when the throttle table cannot be written', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    await expect(handler(delivery([powertools('ERROR', 'x')]), lambdaContext())).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('fails when an error cannot be held, so that it is retried rather than lost', async () => {
    dynamo.on(UpdateCommand).callsFake((input: { ReturnValues?: string }) => {
      throw input.ReturnValues === 'ALL_OLD' ? conditionFailed() : new Error('InternalServerError');
    });

    await expect(handler(delivery([powertools('ERROR', 'x')]), lambdaContext())).rejects.toThrow('InternalServerError');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('does nothing with a delivery whose lines are no errors (the filter is coarse)', async () => {
    expect(await handler(delivery([powertools('INFO', 'ERROR is only a word here')]), lambdaContext())).toEqual([]);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("answers CloudWatch Logs' control message without calling anything", async () => {
    const control = delivery(['CWL CONTROL MESSAGE: Checking health of destination Lambda function.'], {
      messageType: 'CONTROL_MESSAGE',
      logGroup: '',
      logStream: '',
    });

    expect(await handler(control, lambdaContext())).toBeUndefined();
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it.each([
    ['an event of another trigger', { Records: [] }, 'Not a CloudWatch Logs event'],
    ['data that is not base64', { awslogs: { data: 'not base64!' } }, 'Not a CloudWatch Logs event'],
    [
      'data that is not gzipped',
      { awslogs: { data: Buffer.from('{"logEvents":[]}').toString('base64') } },
      'awslogs.data is not gzipped JSON',
    ],
    [
      'a batch without log events',
      { awslogs: { data: gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup })).toString('base64') } },
      'awslogs.data is not a batch of log events',
    ],
  ])('refuses %s, saying what is wrong, and writes nothing', async (_case, event, problem) => {
    await expect(handler(event, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidLogsEventError',
      message: expect.stringContaining(problem),
    });
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
