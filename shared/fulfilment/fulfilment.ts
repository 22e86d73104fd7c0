/**
 * Order fulfilment (issue 14): after OrderPlaced, a Step Functions state machine
 * (infra/workflows/order-fulfilment.asl.yml) takes the payment, ships the order and tells the
 * world, and when a step fails for good it compensates in reverse: refund, put the stock back,
 * cancel the order with a reason. Each of its Task states is one function (services/fulfilment/)
 * calling one function here.
 *
 * The state machine's Retry and Catch match errors by name (a Lambda function's error type is the
 * thrown error's `name`): the names below are the contract between this code and the definition.
 */
import * as z from '../zod';
import { namedError } from '../errors';

/** Passes: the state machine retries it with back-off and jitter (Retry). */
export class PaymentProviderUnavailableError extends namedError('PaymentProviderUnavailable') {}

/** The provider refused the charge: never retried, caught and compensated (Catch). */
export class PaymentDeclinedError extends namedError('PaymentDeclined') {}

/** The carrier refused the parcel: never retried, caught and compensated. */
export class ShipmentRefusedError extends namedError('ShipmentRefused') {}

/** The carrier did not answer: retried. */
export class CarrierUnavailableError extends namedError('CarrierUnavailable') {}

/**
 * The order is not in a status this step can move it from (e.g. paying a cancelled order, or
 * cancelling a shipped one): a second execution for one order, or a step run by hand. Not retried.
 */
export class OrderNotFulfillableError extends namedError('OrderNotFulfillable') {}

/** What every task receives: the order, by id (tasks read the order itself from PostgreSQL). */
export const fulfilmentTaskInput = z.object({ orderId: z.uuid({ message: 'must be an order id (a UUID)' }) });

/** Where a Catch puts the error (ResultPath $.failure), as Step Functions writes it. */
export const caughtFailure = z.object({
  Error: z.string().check(z.minLength(1), z.maxLength(256)),
  Cause: z.optional(z.string().check(z.maxLength(32_768))),
});

/** The compensation's input: the order, and the error that failed its fulfilment. */
export const cancelTaskInput = z.extend(fulfilmentTaskInput, { failure: caughtFailure });

export type CaughtFailure = z.infer<typeof caughtFailure>;

/** The shopper's reason for a cancellation, from the error that caused it. */
export function cancellationReason(failure: CaughtFailure): string {
  switch (failure.Error) {
    case 'PaymentDeclined':
      return 'The payment was declined.';
    case 'PaymentProviderUnavailable':
      return 'The payment could not be taken: the payment provider did not answer.';
    case 'ShipmentRefused':
      return 'The carrier could not take the parcel; the payment was refunded.';
    case 'CarrierUnavailable':
      return 'The carrier did not answer; the payment was refunded.';
    default:
      return `The order could not be fulfilled (${failure.Error.slice(0, 100)}); any payment was refunded.`;
  }
}
