// POST /events (public): the web app's product views and add-to-cart clicks, batched in the
// browser, onto the clickstream (Kinesis, ClickstreamStream). services/clickstream/functions.yml.
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbRateLimitStore } from '../../shared/adapters/dynamodb/rate-limit-store';
import { KinesisClickstream } from '../../shared/adapters/kinesis/clickstream-stream';
import { kinesis } from '../../shared/adapters/kinesis/client';
import { secretString } from '../../shared/adapters/secrets-manager/secret-string';
import { maxEventsBodyBytes, maxEventsPerRequest, recordEventsBody } from '../../shared/clickstream/clickstream-record';
import { recordEvents, type RecordEventsDeps } from '../../shared/clickstream/record-events';
import { config, optionalConfig } from '../../shared/config';
import { NotStoredError } from '../../shared/errors';
import { httpRoute } from '../../shared/triggers/http-route';
import { accepted } from '../../shared/http/responses';
import { logger, metrics, MetricUnit } from '../../shared/observability';

const rateLimit = { limit: Number(config('clickstreamRateLimit')), windowSeconds: 60 };
if (!Number.isInteger(rateLimit.limit) || rateLimit.limit < maxEventsPerRequest) {
  // A limit below one full request would refuse a valid request from a caller with no history.
  throw new Error(`CLICKSTREAM_RATE_LIMIT must be an integer of at least ${maxEventsPerRequest}`);
}

// Deployed: the stack's generated secret. The local stack has no Secrets Manager; its key is a
// constant, which is fine for counters that live a minute on a developer's machine.
const hashKeySecretArn = optionalConfig('clickstreamHashKeySecretArn');
const localHashKey = 'shelf-local-clickstream-rate-limit-key';

const deps: RecordEventsDeps = {
  stream: new KinesisClickstream(kinesis, config('clickstreamStream')),
  rateLimits: new DynamoDbRateLimitStore(documentClient, config('clickstreamRateLimitsTable')),
  rateLimit,
  secretKey: hashKeySecretArn ? () => secretString(hashKeySecretArn) : () => Promise.resolve(localHashKey),
};

export const handler = httpRoute(
  { body: recordEventsBody, maxBodyBytes: maxEventsBodyBytes },
  async ({ body, sourceIp, headers }) => {
    try {
      const result = await recordEvents(deps, body.events, { sourceIp, userAgent: headers['user-agent'] ?? '' });
      metrics.addMetric('ClickstreamEventsAccepted', MetricUnit.Count, result.accepted);
      return accepted(result);
    } catch (error) {
      if (error instanceof NotStoredError) {
        logger.error('Events not stored on the clickstream', { details: error.details, error: error.cause });
        const { notStored } = error.details as { notStored: number[] };
        metrics.addMetric('ClickstreamEventsNotStored', MetricUnit.Count, notStored.length);
      }
      throw error;
    }
  },
);
