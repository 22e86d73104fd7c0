/** Plain-text mail sent through SES (SendEmail, simple content). */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from './client';

export async function sendTextMail(mail: { from: string; to: string; subject: string; text: string }): Promise<string> {
  const sent = await sesv2.send(
    new SendEmailCommand({
      FromEmailAddress: mail.from,
      Destination: { ToAddresses: [mail.to] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  return sent.MessageId ?? '';
}
