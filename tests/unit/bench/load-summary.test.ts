import { checkStock, summariseRoute, type RouteRun, type StockOutcome } from '../../../bench/load-summary';

const run = (fields: Partial<RouteRun>): RouteRun => ({
  route: 'POST /orders',
  connections: 25,
  seconds: 4,
  statuses: {},
  noResponse: 0,
  failedInvocations: 0,
  successStatus: 201,
  p50Ms: 100,
  p99Ms: 300,
  expectedRefusals: [409],
  ...fields,
});

describe('summariseRoute', () => {
  it('counts 409s as refusals and every other failure, unanswered requests included, as errors', () => {
    const summary = summariseRoute(run({ statuses: { '201': 20, '409': 176, '500': 1, '400': 1 }, noResponse: 2 }));

    expect(summary).toMatchObject({ requests: 200, perSecond: 50, succeeded: 20, refused: 176, errors: 4 });
  });

  it('counts a 409 as an error on a route that should never refuse', () => {
    const summary = summariseRoute(run({ statuses: { '200': 9, '409': 1 }, successStatus: 200, expectedRefusals: [] }));

    expect(summary).toMatchObject({ requests: 10, succeeded: 9, refused: 0, errors: 1 });
  });

  it("counts serverless-offline's 200 answers to timed-out invocations as errors, once", () => {
    const read = summariseRoute(run({ statuses: { '200': 10 }, successStatus: 200, failedInvocations: 3 }));
    const order = summariseRoute(run({ statuses: { '201': 5, '200': 3 }, failedInvocations: 3 }));

    expect(read).toMatchObject({ requests: 10, succeeded: 7, errors: 3 });
    expect(order).toMatchObject({ requests: 8, succeeded: 5, errors: 3 });
  });
});

describe('checkStock', () => {
  const sold: StockOutcome = {
    initialStock: 20,
    attempts: 200,
    accepted: 20,
    ordersInDatabase: 20,
    unitsSold: 20,
    finalStockInDatabase: 0,
    finalStockInApi: 0,
  };

  it('passes when every unit is sold once and both the database and the API show the rest', () => {
    expect(checkStock(sold)).toEqual({ oversold: 0, passed: true, problems: [] });
  });

  it('reports units sold beyond the stock', () => {
    const check = checkStock({ ...sold, accepted: 21, ordersInDatabase: 21, unitsSold: 21, finalStockInDatabase: -1 });

    expect(check.oversold).toBe(1);
    expect(check.passed).toBe(false);
    expect(check.problems).toContain('oversold by 1');
  });

  it('reports a sale refused while units were left, and an API that disagrees with the database', () => {
    const check = checkStock({
      ...sold,
      accepted: 19,
      ordersInDatabase: 19,
      unitsSold: 19,
      finalStockInDatabase: 1,
      finalStockInApi: 2,
    });

    expect(check.oversold).toBe(0);
    expect(check.problems).toEqual(['the API shows stock 2, the database 1', 'only 19 of 20 units sold']);
  });

  it('reports an accepted order that was not recorded', () => {
    expect(checkStock({ ...sold, accepted: 21 }).problems).toEqual(['21 orders accepted but 20 recorded']);
  });
});
