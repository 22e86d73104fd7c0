/**
 * Powertools logger, metrics and tracer: one instance of each per execution environment.
 * Service name, namespace and log level come from POWERTOOLS_* variables set in serverless.yml.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();
export { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Runs an invocation inside a `## handler` X-Ray subsegment with the cold-start and service
 * annotations (what Powertools' captureLambdaHandler does, without a middleware engine).
 * Annotations can only go on a subsegment: Lambda owns the invocation's own segment.
 */
export async function traceInvocation<T>(work: () => Promise<T>): Promise<T> {
  if (!tracer.isTracingEnabled()) return work();
  const parent = tracer.getSegment();
  const segment = parent?.addNewSubsegment('## handler');
  if (segment) tracer.setSegment(segment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await work();
  } finally {
    segment?.close();
    if (parent) tracer.setSegment(parent);
  }
}

/**
 * The same for handlers of non-HTTP events (S3, SQS): Lambda context in every log line, the
 * cold-start metric, tracing, and the invocation's metrics flushed however it ends.
 */
export function observedHandler<E, R>(
  handle: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric();
    try {
      return await traceInvocation(() => handle(event, context));
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
