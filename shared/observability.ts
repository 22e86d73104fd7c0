/**
 * Powertools logger, metrics and tracer: one instance of each per execution environment.
 * Service name, namespace and log level come from POWERTOOLS_* variables set in serverless.yml.
 * Handlers get the per-invocation bracket (context, cold start, trace, flush) from their inbound
 * wrapper in shared/triggers/, all built on observed-handler.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();
export { MetricUnit } from '@aws-lambda-powertools/metrics';
