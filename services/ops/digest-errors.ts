// Error digests: a CloudWatch Logs subscription filter on every function's log group delivers its
// error lines here (infra/package/error-digest-subscriptions.ts adds them from serverless.yml's
// functions); at most one digest per function per five minutes goes to ops-alerts, the errors in
// between held and counted into the next (shared/ops/error-digest.ts). This function's own log
// group has no such filter: its lines would come back to it without end. Its failures are retried
// by Lambda and then land in its on-failure queue (services/ops/functions.yml).
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbDigestThrottle } from '../../shared/adapters/dynamodb/digest-throttle';
import { SnsAlertPublisher } from '../../shared/adapters/sns/alert-publisher';
import { sns } from '../../shared/adapters/sns/client';
import { config } from '../../shared/config';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { digestErrors } from '../../shared/ops/error-digest';
import { logsSubscription } from '../../shared/triggers/logs-subscription';

const deps = {
  throttle: new DynamoDbDigestThrottle(documentClient, config('errorDigestsTable')),
  alerts: new SnsAlertPublisher(sns, config('opsAlertsTopicArn')),
  region: config('region'),
};

export const handler = logsSubscription(async ({ logGroup, logEvents }) => {
  const outcomes = await digestErrors(deps, logGroup, logEvents, Date.now());
  for (const { source, errors, outcome } of outcomes) {
    if (outcome === 'sent') {
      logger.info('Error digest sent', { source, errors });
      metrics.addMetric('ErrorDigestsSent', MetricUnit.Count, 1);
    } else {
      logger.info('Errors held for the next digest', { source, errors });
      metrics.addMetric('ErrorsHeld', MetricUnit.Count, errors);
    }
  }
  return outcomes;
});
