// GET /ops/health and GET /ops/queues, behind the internal Application Load Balancer
// (infra/resources/operations.yml): the operators' view of the database, the queues and the workflows.
import { cloudWatch } from '../../shared/adapters/cloudwatch/client';
import { CloudWatchQueueAges, noQueueAgeMetrics } from '../../shared/adapters/cloudwatch/queue-ages';
import { migrationStatus, readMigrations } from '../../shared/adapters/postgres/migrator';
import { createPool } from '../../shared/adapters/postgres/pool';
import { sqs } from '../../shared/adapters/sqs/client';
import { SqsQueueMonitor } from '../../shared/adapters/sqs/queue-monitor';
import { config, ConfigError } from '../../shared/config';
import { ok } from '../../shared/http/responses';
import type { OperationsPorts } from '../../shared/ops/operations-ports';
import { healthReport, queueReport } from '../../shared/ops/operations-report';
import { noStateMachineDeclared } from '../../shared/ops/workflow-failures';
import { albRoutes } from '../../shared/triggers/alb-route';

// The migrations this code ships with (in the function's zip, services/ops/functions.yml).
const migrations = readMigrations();
const pool = createPool();

const ageSources = {
  cloudwatch: () => new CloudWatchQueueAges(cloudWatch),
  none: () => noQueueAgeMetrics('no CloudWatch metrics on this stage (QUEUE_AGE_METRICS=none)'),
};
const ageSource = config('queueAgeMetrics');
// A misspelt source fails the cold start, not every report with a puzzling reason.
if (!Object.hasOwn(ageSources, ageSource)) {
  throw new ConfigError(`QUEUE_AGE_METRICS must be ${Object.keys(ageSources).join(' or ')}, not "${ageSource}"`);
}

const ports: OperationsPorts = {
  schema: { schemaStatus: () => migrationStatus(pool, migrations) },
  queues: new SqsQueueMonitor(sqs, config('queueNamePrefix')),
  ages: ageSources[ageSource as keyof typeof ageSources](),
  workflows: noStateMachineDeclared,
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
