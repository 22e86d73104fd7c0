/**
 * The order confirmation: one e-mail per order, to the address its owner placed it with, listing
 * its lines and total. What it says is the SES template OrderConfirmationTemplate
 * (infra/resources/notifications.yml); this module decides whether to send and with what data.
 * Sending once per order, even when SNS delivers OrderPlaced twice, is the caller's job
 * (services/notifications/send-order-confirmation.ts keys it by order id).
 */
import type { OrderPlaced } from '../events/order-placed';

/** The template's data (its {{placeholders}}); money is formatted here, SES cannot. */
export interface OrderConfirmationData {
  orderId: string;
  /** Text for the HTML part: SES puts values in as they are, so markup in a name is escaped here. */
  lines: { sku: string; name: string; nameHtml: string; quantity: number; unitPrice: string; lineTotal: string }[];
  total: string;
  placedAt: string;
}

export interface ConfirmationMailer {
  /** Sends the templated confirmation; returns the mail's message id. */
  send(to: string, data: OrderConfirmationData): Promise<string>;
}

export type ConfirmationOutcome =
  { outcome: 'sent'; orderId: string; messageId: string } | { outcome: 'no-address'; orderId: string };

function money(cents: number, currency: string): string {
  // en-GB: one fixed format for every customer ("€12.00", "US$9.50"), whatever the server's locale.
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);

export function confirmationData(order: OrderPlaced): OrderConfirmationData {
  return {
    orderId: order.orderId,
    lines: order.lines.map((line) => ({
      sku: line.sku,
      name: line.name,
      nameHtml: escapeHtml(line.name),
      quantity: line.quantity,
      unitPrice: money(line.unitPriceCents, order.currency),
      lineTotal: money(line.lineTotalCents, order.currency),
    })),
    total: money(order.totalCents, order.currency),
    placedAt: new Date(order.placedAt).toUTCString(),
  };
}

/** Mails the confirmation, or reports that the order has no address to mail (nothing to retry). */
export async function sendOrderConfirmation(
  mailer: ConfirmationMailer,
  order: OrderPlaced,
): Promise<ConfirmationOutcome> {
  if (!order.customer.email) return { outcome: 'no-address', orderId: order.orderId };
  const messageId = await mailer.send(order.customer.email, confirmationData(order));
  return { outcome: 'sent', orderId: order.orderId, messageId };
}
