// sendOrderConfirmation, fed SNS events shaped as AWS's sample (tests/fixtures/events/sns-event.json):
// its own copy carrying an OrderPlaced as EventBridge delivers it to the topic, and AWS's own
// "Hello from SNS!" as a message that is no order. SES and the idempotency table are mocked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/notifications/send-order-confirmation';
import { lambdaContext } from '../../helpers/http-events';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'events');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as SnsEvent;

interface SnsEvent {
  Records: { Sns: { MessageId: string; Message: string } }[];
}

/** AWS's SNS sample whose message is an OrderPlaced event (what `npm run invoke` sends too). */
const orderPlacedSample = () => readJson(join(fixtures, 'functions', 'sendOrderConfirmation.json'));
const awsSample = () => readJson(join(fixtures, 'sns-event.json'));

/** The sample with its OrderPlaced detail changed. */
function withDetail(change: (detail: Record<string, unknown>) => void): SnsEvent {
  const event = orderPlacedSample();
  const message = JSON.parse(event.Records[0]!.Sns.Message) as { detail: Record<string, unknown> };
  change(message.detail);
  event.Records[0]!.Sns.Message = JSON.stringify(message);
  return event;
}

const ses = mockClient(SESv2Client);
const idempotency = mockClient(DynamoDBClient);

beforeEach(() => {
  ses.reset();
  idempotency.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });
});

describe('sendOrderConfirmation', () => {
  it("mails the order's owner the templated confirmation with its lines and total", async () => {
    const results = await handler(orderPlacedSample(), lambdaContext());

    expect(results).toEqual([
      { outcome: 'sent', orderId: '0f8fad5b-d9cb-469f-a165-70867728950e', messageId: 'ses-message-1' },
    ]);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FromEmailAddress: 'orders@example.com',
      Destination: { ToAddresses: ['sample-shopper@example.com'] },
      Content: { Template: { TemplateName: 'shelf-test-order-confirmation' } },
    });
    expect(JSON.parse(input.Content!.Template!.TemplateData!)).toEqual({
      orderId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      lines: [
        {
          sku: 'SAMPLE-TEAPOT',
          name: 'Sample teapot',
          nameHtml: 'Sample teapot',
          quantity: 1,
          unitPrice: '€32.00',
          lineTotal: '€32.00',
        },
        {
          sku: 'SAMPLE-SENCHA',
          name: 'Sample sencha',
          nameHtml: 'Sample sencha',
          quantity: 2,
          unitPrice: '€12.00',
          lineTotal: '€24.00',
        },
      ],
      total: '€56.00',
      placedAt: 'Tue, 01 Dec 2026 10:00:00 GMT',
    });
  });

  it('records the send in the idempotency table, keyed by the order, before sending', async () => {
    await handler(orderPlacedSample(), lambdaContext());

    expect(idempotency).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'shelf-test-idempotency',
      Item: expect.objectContaining({ status: { S: 'INPROGRESS' } }),
      ConditionExpression: expect.stringContaining('attribute_not_exists(#id)'),
    });
  });

  it('sends nothing when SNS delivers the same order again: the first outcome is returned', async () => {
    // given: the first delivery completed, so the conditional put fails with its record
    const first = await handler(orderPlacedSample(), lambdaContext());
    const putItem = idempotency.commandCalls(PutItemCommand)[0]!.args[0].input.Item!;
    const completed: Record<string, AttributeValue> = {
      ...putItem,
      status: { S: 'COMPLETED' },
      data: { M: { outcome: { S: 'sent' }, orderId: { S: first[0]!.orderId }, messageId: { S: 'ses-message-1' } } },
    };
    idempotency
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: completed }));
    ses.resetHistory();

    // when: SNS delivers it a second time (another message id, the same event)
    const again = orderPlacedSample();
    again.Records[0]!.Sns.MessageId = 'a-second-delivery';
    const results = await handler(again, lambdaContext());

    // then
    expect(results).toEqual(first);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 0);
  });

  it('fails while the same order is being confirmed by another delivery, for Lambda to retry', async () => {
    const putItem = () => idempotency.commandCalls(PutItemCommand)[0]!.args[0].input.Item!;
    await handler(orderPlacedSample(), lambdaContext());
    const inProgress = { ...putItem(), status: { S: 'INPROGRESS' } };
    idempotency
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: inProgress }));
    ses.resetHistory();

    await expect(handler(orderPlacedSample(), lambdaContext())).rejects.toThrow(/still in progress/);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 0);
  });

  it('escapes markup in product names for the HTML part only', async () => {
    const event = withDetail((detail) => {
      (detail.lines as { name: string }[])[0]!.name = 'Tea <b>&</b> "cups"';
    });

    await handler(event, lambdaContext());

    const data = JSON.parse(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Template!.TemplateData!);
    expect(data.lines[0]).toMatchObject({
      name: 'Tea <b>&</b> "cups"',
      nameHtml: 'Tea &lt;b&gt;&amp;&lt;/b&gt; &quot;cups&quot;',
    });
  });

  it('sends nothing, and does not fail, for an order placed without an e-mail address', async () => {
    const results = await handler(
      withDetail((detail) => (detail.customer = { id: 'sample-shopper', email: null })),
      lambdaContext(),
    );

    expect(results).toEqual([{ outcome: 'no-address', orderId: '0f8fad5b-d9cb-469f-a165-70867728950e' }]);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 0);
  });

  it("refuses AWS's sample message, which is no OrderPlaced, saying why, and sends nothing", async () => {
    await expect(handler(awsSample(), lambdaContext())).rejects.toThrow(
      'SNS message 95df01b4-ee98-5cb9-9903-4c221d41eb5e is not JSON',
    );
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 0);
    expect(idempotency).toHaveReceivedCommandTimes(PutItemCommand, 0);
  });

  it('refuses an OrderPlaced whose detail breaks its schema, naming the fields', async () => {
    const event = withDetail((detail) => {
      delete detail.totalCents;
      detail.eventVersion = 2;
    });

    await expect(handler(event, lambdaContext())).rejects.toThrow(
      /refused: detail\.eventVersion: .*; detail\.totalCents: /,
    );
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 0);
  });

  it('refuses an event that is not from SNS', async () => {
    await expect(handler({ Records: [{ body: 'from SQS' }] }, lambdaContext())).rejects.toThrow(/^Not an SNS event/);
  });

  it('fails when SES fails, so that Lambda retries and then keeps the event in the failures queue', async () => {
    ses.on(SendEmailCommand).rejects(new Error('Throttling: Maximum sending rate exceeded'));

    await expect(handler(orderPlacedSample(), lambdaContext())).rejects.toThrow('Maximum sending rate exceeded');
  });
});
