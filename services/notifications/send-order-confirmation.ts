// SNS order-notifications → the customer's order confirmation by e-mail (SES template), once per
// order (services/notifications/functions.yml sendOrderConfirmation; docs/events.md).
//
// The topic's message is the OrderPlaced event as EventBridge delivered it (the rule on the domain
// event bus publishes the whole event). SNS delivers at least once, and the outbox may publish an
// event twice, so the send is made idempotent by order id with a Powertools record in
// IdempotencyTable: a repeat gets the first send's outcome and mails nothing. Two deliveries at
// the same moment: the second finds the first in progress, fails, and Lambda's retry finds it done.
import * as z from '../../shared/zod';
import { retrySafe } from '../../shared/adapters/dynamodb/idempotency';
import { sesv2 } from '../../shared/adapters/ses/client';
import { SesConfirmationMailer } from '../../shared/adapters/ses/order-confirmation-mailer';
import { config } from '../../shared/config';
import {
  orderPlacedSchema,
  orderPlacedType,
  ordersEventSource,
  type OrderPlaced,
} from '../../shared/events/order-placed';
import { sendOrderConfirmation } from '../../shared/notifications/order-confirmation';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { eventBridgeSchema } from '../../shared/triggers/schemas/eventbridge';
import { snsMessage } from '../../shared/triggers/sns-message';

const mailer = new SesConfirmationMailer(sesv2, config('orderConfirmationTemplate'), config('mailFrom'));

/**
 * As long as the domain event archive keeps events (infra/resources/events.yml): a replay from
 * the archive finds the order already confirmed and mails nobody twice.
 */
const rememberedFor = 30 * 24 * 60 * 60;

const confirmOnce = retrySafe(
  config('idempotencyTable'),
  (order: OrderPlaced) => sendOrderConfirmation(mailer, order),
  {
    expiresAfterSeconds: rememberedFor,
  },
);

/** OrderPlaced as EventBridge sends it to a target: its envelope, and the detail of version 1. */
const orderPlacedEvent = z.extend(eventBridgeSchema, {
  source: z.pipe(eventBridgeSchema.shape.source, z.literal(ordersEventSource)),
  'detail-type': z.literal(orderPlacedType),
  detail: orderPlacedSchema,
});

export const handler = snsMessage(orderPlacedEvent, async ({ detail: order }, delivery, context) => {
  logger.appendKeys({ orderId: order.orderId });
  const result = await confirmOnce({ scope: 'order-confirmation', key: order.orderId, payload: order }, context);
  if (result.outcome === 'sent') {
    logger.info('Order confirmation sent', { messageId: result.messageId, snsMessageId: delivery.messageId });
    metrics.addMetric('OrderConfirmationsSent', MetricUnit.Count, 1);
  } else {
    // Placed with a token that carried no verified e-mail: nobody to write to, nothing to retry.
    logger.warn('Order has no e-mail address; no confirmation sent');
    metrics.addMetric('OrderConfirmationsWithoutAddress', MetricUnit.Count, 1);
  }
  return result;
});
