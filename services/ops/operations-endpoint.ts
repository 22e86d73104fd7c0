// GET /ops/health and GET /ops/queues, behind the internal Application Load Balancer
// (infra/resources/operations.yml): the operators' view of the database, the queues and the workflows.
import { cloudWatch } from '../../shared/adapters/cloudwatch/client';
import { CloudWatchQueueAges, noQueueAgeMetrics } from '../../shared/adapters/cloudwatch/queue-ages';
import { CloudWatchWorkflowFailures, noWorkflowMetrics } from '../../shared/adapters/cloudwatch/workflow-failures';
import { migrationStatus, readMigrations } from '../../shared/adapters/postgres/migrator';
import { createPool } from '../../shared/adapters/postgres/pool';
import { sqs } from '../../shared/adapters/sqs/client';
import { SqsQueueMonitor } from '../../shared/adapters/sqs/queue-monitor';
import { config, ConfigError, optionalConfig } from '../../shared/config';
import { ok } from '../../shared/http/responses';
import type { OperationsPorts } from '../../shared/ops/operations-ports';
import { healthReport, queueReport } from '../../shared/ops/operations-report';
import { albRoutes } from '../../shared/triggers/alb-route';

// The migrations this code ships with (in the function's zip, services/ops/functions.yml).
const migrations = readMigrations();
const pool = createPool();

// The stack's state machines, whose failed executions the health report counts.
const stateMachineArns = (optionalConfig('stateMachineArns') ?? '').split(',').filter(Boolean);
const noMetrics = 'no CloudWatch metrics on this stage (QUEUE_AGE_METRICS=none)';
const metricSources = {
  cloudwatch: () => ({
    ages: new CloudWatchQueueAges(cloudWatch),
    workflows: new CloudWatchWorkflowFailures(cloudWatch, stateMachineArns),
  }),
  none: () => ({ ages: noQueueAgeMetrics(noMetrics), workflows: noWorkflowMetrics(stateMachineArns, noMetrics) }),
};
const metricSource = config('queueAgeMetrics');
// A misspelt source fails the cold start, not every report with a puzzling reason.
if (!Object.hasOwn(metricSources, metricSource)) {
  throw new ConfigError(`QUEUE_AGE_METRICS must be ${Object.keys(metricSources).join(' or ')}, not "${metricSource}"`);
}

const ports: OperationsPorts = {
  schema: { schemaStatus: () => migrationStatus(pool, migrations) },
  queues: new SqsQueueMonitor(sqs, config('queueNamePrefix')),
  ...metricSources[metricSource as keyof typeof metricSources](),
};

export const handler = albRoutes({
  '/ops/health': {
    GET: async () => {
      const report = await healthReport(ports);
      return { statusCode: report.healthy ? 200 : 503, body: report };
    },
  },
  '/ops/queues': {
    GET: async () => {
      const report = await queueReport(ports);
      return report.readable ? ok(report) : { statusCode: 503, body: report };
    },
  },
});
