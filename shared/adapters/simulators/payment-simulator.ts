/**
 * A simulated payment provider (the PaymentProvider port), for every stage but production: like a
 * real provider's sandbox, it decides by the amount, so that anyone can force each path
 * (docs/labs/17-step-functions-fulfilment.md):
 * - a total whose cents end in 13 (e.g. 10.13) is declined;
 * - a total whose cents end in 57 times out on the first request for the order and succeeds on
 *   the next (the state machine's Retry);
 * - any other total is charged.
 * Its records live in PostgreSQL (simulated_payments), keyed by the idempotency key, as a
 * provider keeps its own: a retried request charges nothing twice, a refund happens once.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PaymentDeclinedError, PaymentProviderUnavailableError } from '../../fulfilment/fulfilment';
import type { ChargeRequest, PaymentProvider } from '../../fulfilment/fulfilment-ports';

/** The amounts that force a path: the last two digits of the total in cents. */
export const simulatedOutcomes = { declined: 13, timesOutOnce: 57 } as const;

export class PaymentSimulator implements PaymentProvider {
  constructor(
    private readonly pool: Pool,
    stage: string,
  ) {
    if (stage === 'prod') throw new Error('The payment simulator does not run on stage prod');
  }

  async charge({ idempotencyKey, amountCents, currency }: ChargeRequest): Promise<{ chargeId: string }> {
    const cents = amountCents % 100;
    if (cents === simulatedOutcomes.declined) {
      throw new PaymentDeclinedError(`Card declined (simulated: the total's cents end in ${cents})`);
    }
    // The request is recorded (or counted again) before it is answered: the record is what tells
    // the second request for a "times out once" amount from the first.
    const { rows } = await this.pool.query<{ charge_id: string; attempts: number }>(
      `INSERT INTO simulated_payments (idempotency_key, charge_id, amount_cents, currency)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (idempotency_key) DO UPDATE SET attempts = simulated_payments.attempts + 1
       RETURNING charge_id, attempts`,
      [idempotencyKey, `ch_sim_${randomUUID().replaceAll('-', '')}`, amountCents, currency],
    );
    const { charge_id: chargeId, attempts } = rows[0]!;
    if (cents === simulatedOutcomes.timesOutOnce && attempts === 1) {
      throw new PaymentProviderUnavailableError(
        `The payment provider timed out (simulated: the total's cents end in ${cents}, first request)`,
      );
    }
    // Charged once: a repeat keeps the first charge's time.
    await this.pool.query(
      'UPDATE simulated_payments SET charged_at = now() WHERE idempotency_key = $1 AND charged_at IS NULL',
      [idempotencyKey],
    );
    return { chargeId };
  }

  async refund(idempotencyKey: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE simulated_payments SET refunded_at = now(), refunds = refunds + 1
       WHERE idempotency_key = $1 AND charged_at IS NOT NULL AND refunded_at IS NULL`,
      [idempotencyKey],
    );
    return rowCount === 1;
  }
}
