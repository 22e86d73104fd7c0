// answerRestockMail (services/restock/answer-restock-mail.ts), receiveRestockMail's on-success
// destination, fed Lambda's invocation record as Lambda sends it; SES mocked with aws-sdk-client-mock.
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/restock/answer-restock-mail';
import { lambdaContext } from '../../helpers/http-events';

const ses = mockClient(SESv2Client);

/** Lambda's record of a successful asynchronous invocation of receiveRestockMail. */
const successRecord = (responsePayload: unknown, condition = 'Success') => ({
  version: '1.0',
  timestamp: '2026-12-03T08:00:01.000Z',
  requestContext: {
    requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:shelf-test-receiveRestockMail:$LATEST',
    condition,
    approximateInvokeCount: 1,
  },
  requestPayload: { Records: [] },
  responseContext: { statusCode: 200, executedVersion: '$LATEST' },
  responsePayload,
});

const answer = { to: 'supplier@example.com', subject: 'Re: Restock', text: 'Thank you. We added this stock:' };

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'sent-1' });
});

describe('answerRestockMail', () => {
  it('mails the answer to the supplier from the restock address', async () => {
    const result = await handler(successRecord({ messageId: 'm-1', outcome: 'applied', answer }), lambdaContext());

    expect(result).toEqual({ messageId: 'm-1', sent: true });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'restock@shop.example',
      Destination: { ToAddresses: ['supplier@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Re: Restock', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Thank you. We added this stock:', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('sends nothing when there is nothing to answer (a duplicate, a stranger)', async () => {
    const result = await handler(
      successRecord({ messageId: 'm-1', outcome: 'duplicate', answer: null }),
      lambdaContext(),
    );
    expect(result).toEqual({ messageId: 'm-1', sent: false });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('fails, to be retried, when SES does', async () => {
    ses.on(SendEmailCommand).rejects(new Error('Throttling'));
    await expect(handler(successRecord({ messageId: 'm-1', answer }), lambdaContext())).rejects.toThrow('Throttling');
  });

  it('refuses a record that is not a success, or carries no answer it can read', async () => {
    await expect(
      handler(successRecord({ messageId: 'm-1', answer }, 'RetriesExhausted'), lambdaContext()),
    ).rejects.toThrow(/Expected an on-success record, got RetriesExhausted/);
    await expect(handler(successRecord({ messageId: 'm-1', answer: { to: 1 } }), lambdaContext())).rejects.toThrow();
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
