/**
 * The one observed-handler core every inbound wrapper in shared/triggers/ is built on: the Lambda
 * context in every log line, the cold-start metric, an X-Ray subsegment with the cold-start and
 * service annotations, and the invocation's metrics flushed and log keys cleared however it ends.
 * A wrapper for a new kind of trigger validates its event and calls the domain inside it; it never
 * repeats this bracket.
 */
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../observability';

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
