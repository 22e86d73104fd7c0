/**
 * The order confirmation through SES (API v2): SendEmail with the stack's template
 * (OrderConfirmationTemplate, infra/resources/notifications.yml), which holds the subject and the
 * plain-text and HTML parts; only the data travels with each mail.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { ConfirmationMailer, OrderConfirmationData } from '../../notifications/order-confirmation';

export class SesConfirmationMailer implements ConfirmationMailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly templateName: string,
    /** A verified identity of the account (the shop's domain or address). */
    private readonly from: string,
  ) {}

  async send(to: string, data: OrderConfirmationData): Promise<string> {
    const { MessageId } = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [to] },
        Content: { Template: { TemplateName: this.templateName, TemplateData: JSON.stringify(data) } },
        // Lets a bounce or complaint be traced back to its order in SES's event publishing.
        EmailTags: [{ Name: 'order', Value: data.orderId }],
      }),
    );
    return MessageId ?? '';
  }
}
