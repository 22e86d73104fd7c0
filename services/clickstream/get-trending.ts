// GET /reports/trending?minutes=60&limit=10 (public): the most viewed products of the last minutes,
// from the clickstream aggregates (shared/clickstream/trending.ts).
import { DynamoDbClickstreamAggregates } from '../../shared/adapters/dynamodb/clickstream-aggregates';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbProductNames } from '../../shared/adapters/dynamodb/product-names';
import { trendingQuery } from '../../shared/clickstream/clickstream-requests';
import { trendingProducts } from '../../shared/clickstream/trending';
import { config } from '../../shared/config';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const aggregates = new DynamoDbClickstreamAggregates(documentClient, config('clickstreamAggregatesTable'));
const names = new DynamoDbProductNames(documentClient, config('catalogTable'));

export const handler = httpRoute({ query: trendingQuery }, async ({ query }) => ({
  ...ok(await trendingProducts(aggregates, names, { minutes: query.minutes, limit: query.limit, now: new Date() })),
  // The same for every shopper, and it changes once a minute deployed: browsers and CloudFront
  // may reuse it for a little while.
  headers: { 'cache-control': 'public, max-age=30' },
}));
