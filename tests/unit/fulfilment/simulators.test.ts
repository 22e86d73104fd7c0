// The simulated payment provider and carrier: the amount forces each path (cents 13 declined, 57
// times out once, 99 refused by the carrier), and production never gets them.
import type { Pool } from 'pg';
import { PaymentSimulator } from '../../../shared/adapters/simulators/payment-simulator';
import { ShippingSimulator } from '../../../shared/adapters/simulators/shipping-simulator';
import { anOrder } from '../orders/order-fixtures';

/** A pool whose INSERT … RETURNING answers the given attempt counts in turn. */
function poolAnswering(...attempts: number[]) {
  const query = jest.fn((sql: string, _values?: unknown[]) => {
    if (sql.includes('INSERT INTO simulated_payments')) {
      return Promise.resolve({ rows: [{ charge_id: 'ch_sim_1', attempts: attempts.shift() ?? 1 }], rowCount: 1 });
    }
    return Promise.resolve({ rows: [], rowCount: 1 });
  });
  return { pool: { query } as unknown as Pool, query };
}

const request = (amountCents: number) => ({ idempotencyKey: anOrder().orderId, amountCents, currency: 'EUR' });

describe('PaymentSimulator', () => {
  it('charges any other amount, recording it under the idempotency key', async () => {
    const { pool, query } = poolAnswering(1);

    await expect(new PaymentSimulator(pool, 'dev').charge(request(3400))).resolves.toEqual({ chargeId: 'ch_sim_1' });
    expect(query.mock.calls[0]![1]).toEqual([anOrder().orderId, expect.stringMatching(/^ch_sim_/), 3400, 'EUR']);
  });

  it('declines a total whose cents end in 13, recording nothing', async () => {
    const { pool, query } = poolAnswering();

    await expect(new PaymentSimulator(pool, 'dev').charge(request(1013))).rejects.toMatchObject({
      name: 'PaymentDeclined',
    });
    expect(query).not.toHaveBeenCalled();
  });

  it('times out on the first request of a total ending in 57, and charges on the next', async () => {
    const { pool } = poolAnswering(1, 2);
    const simulator = new PaymentSimulator(pool, 'dev');

    await expect(simulator.charge(request(1057))).rejects.toMatchObject({ name: 'PaymentProviderUnavailable' });
    await expect(simulator.charge(request(1057))).resolves.toEqual({ chargeId: 'ch_sim_1' });
  });

  it('refunds only a charge not refunded yet', async () => {
    const query = jest.fn().mockResolvedValueOnce({ rowCount: 1 }).mockResolvedValueOnce({ rowCount: 0 });
    const simulator = new PaymentSimulator({ query } as unknown as Pool, 'dev');

    await expect(simulator.refund('order-1')).resolves.toBe(true);
    await expect(simulator.refund('order-1')).resolves.toBe(false);
    expect(query.mock.calls[0]![0]).toContain('refunded_at IS NULL');
  });

  it('refuses to run on stage prod', () => {
    expect(() => new PaymentSimulator(poolAnswering().pool, 'prod')).toThrow(/does not run on stage prod/);
  });
});

describe('ShippingSimulator', () => {
  it('answers the same tracking id for the same order', async () => {
    const shipper = new ShippingSimulator('dev');

    const first = await shipper.ship(anOrder());

    expect(first.trackingId).toMatch(/^SIM[0-9A-F]{12}$/);
    await expect(shipper.ship(anOrder())).resolves.toEqual(first);
  });

  it('is refused by the carrier for a total whose cents end in 99', async () => {
    await expect(new ShippingSimulator('dev').ship(anOrder({ totalCents: 2599 }))).rejects.toMatchObject({
      name: 'ShipmentRefused',
    });
  });

  it('refuses to run on stage prod', () => {
    expect(() => new ShippingSimulator('prod')).toThrow(/does not run on stage prod/);
  });
});
