/**
 * What the load test reports, apart from running it (load.ts): each route's responses sorted into
 * successes, the refusals the route is meant to give (409 when the stock has run out) and errors,
 * and the stock check after the race for scarce stock. Pure, so it is unit-tested.
 */
import { fmt } from './bench-support';

export interface RouteRun {
  route: string;
  connections: number;
  /** Wall-clock seconds of the run (autocannon's duration). */
  seconds: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** Requests that got no response: connection errors, timeouts included. */
  noResponse: number;
  /** Invocations serverless-offline reported as failed (a Lambda timeout): it answers those 200. */
  failedInvocations: number;
  /** The route's answer when it works: 200, or 201 for a placed order. */
  successStatus: number;
  p50Ms: number;
  p99Ms: number;
  /** Statuses that are the route doing its job (409 OUT_OF_STOCK for an order), not errors. */
  expectedRefusals: number[];
}

export interface RouteSummary {
  route: string;
  connections: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  succeeded: number;
  refused: number;
  /** Any other status, failed invocations, timeouts and connection errors: the target is 0. */
  errors: number;
}

export function summariseRoute(run: RouteRun): RouteSummary {
  // serverless-offline answers a failed invocation with 200 and an error body, where API Gateway
  // answers 502/504: as many 200s as it reported failures are errors, not successes.
  const disguised = Math.min(run.failedInvocations, run.statuses['200'] ?? 0);
  let succeeded = 0;
  let refused = 0;
  let unexpected = disguised;
  for (const [status, count] of Object.entries(run.statuses)) {
    const code = Number(status);
    const answered = code === 200 ? count - disguised : count;
    if (code === run.successStatus) succeeded += answered;
    else if (run.expectedRefusals.includes(code)) refused += answered;
    else unexpected += answered;
  }
  const requests = succeeded + refused + unexpected + run.noResponse;
  return {
    route: run.route,
    connections: run.connections,
    requests,
    perSecond: run.seconds > 0 ? requests / run.seconds : 0,
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    succeeded,
    refused,
    errors: unexpected + run.noResponse,
  };
}

export interface StockOutcome {
  initialStock: number;
  attempts: number;
  /** 201 responses to POST /orders. */
  accepted: number;
  /** Orders recorded in PostgreSQL for the SKU. */
  ordersInDatabase: number;
  /** Units of the SKU on those orders. */
  unitsSold: number;
  finalStockInDatabase: number;
  /** What GET /products/{sku} shows once the read model has caught up. */
  finalStockInApi: number | undefined;
}

export interface StockCheck {
  oversold: number;
  passed: boolean;
  problems: string[];
}

export function checkStock(outcome: StockOutcome): StockCheck {
  const { initialStock, attempts, accepted, ordersInDatabase, unitsSold, finalStockInDatabase, finalStockInApi } =
    outcome;
  const oversold = Math.max(0, unitsSold - initialStock);
  const problems: string[] = [];
  if (oversold > 0) problems.push(`oversold by ${oversold}`);
  if (accepted !== ordersInDatabase) problems.push(`${accepted} orders accepted but ${ordersInDatabase} recorded`);
  if (finalStockInDatabase !== initialStock - unitsSold)
    problems.push(`stock ${finalStockInDatabase} in the database, not ${initialStock} − ${unitsSold}`);
  if (finalStockInApi !== finalStockInDatabase)
    problems.push(`the API shows stock ${finalStockInApi ?? 'nothing'}, the database ${finalStockInDatabase}`);
  // More attempts than units: a refusal while units were left would be a lost sale.
  const expectedSold = Math.min(initialStock, attempts);
  if (unitsSold < expectedSold) problems.push(`only ${unitsSold} of ${expectedSold} units sold`);
  return { oversold, passed: problems.length === 0, problems };
}

/** The markdown table: one row per route, the target beside each, throughput also × the baseline route's. */
export function routeTable(summaries: RouteSummary[], baseline: RouteSummary, targets: Record<string, string>): string {
  const rows = summaries.map((s) =>
    [
      s.route,
      fmt(s.connections),
      fmt(s.requests),
      fmt(s.perSecond, 1),
      fmt(baseline.perSecond > 0 ? s.perSecond / baseline.perSecond : 0, 2),
      fmt(s.p50Ms),
      fmt(s.p99Ms),
      fmt(s.succeeded),
      fmt(s.refused),
      fmt(s.errors),
      targets[s.route] ?? '',
    ].join(' | '),
  );
  return [
    `| route | connections | requests | req/s | × ${baseline.route} | p50 ms | p99 ms | succeeded | refused (expected) | errors | target |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

export function stockLine(outcome: StockOutcome, check: StockCheck): string {
  const verdict = check.passed ? 'passed' : `FAILED: ${check.problems.join('; ')}`;
  return (
    `Scarce stock (judged): ${fmt(outcome.attempts)} orders of 1 unit for ${fmt(outcome.initialStock)} units: ` +
    `${fmt(outcome.accepted)} accepted (201), ${fmt(outcome.ordersInDatabase)} recorded, ${fmt(outcome.unitsSold)} units sold, ` +
    `oversold ${fmt(check.oversold)} (target 0); final stock ${fmt(outcome.finalStockInDatabase)} in PostgreSQL, ` +
    `${outcome.finalStockInApi === undefined ? 'none' : fmt(outcome.finalStockInApi)} via GET /products/{sku} ` +
    `(target ${fmt(outcome.initialStock)} − ${fmt(outcome.unitsSold)} = ${fmt(outcome.initialStock - outcome.unitsSold)}): ${verdict}.`
  );
}
