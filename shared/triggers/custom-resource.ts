/**
 * customResourceHandler: the wrapper for a Lambda-backed CloudFormation custom resource, on the
 * observed-handler core (observed-handler.ts). It always answers, exactly once. CloudFormation
 * invokes the function asynchronously and then waits for a PUT to the request's ResponseURL
 * (shared/adapters/cloudformation/custom-resource-response.ts); a function that ends without one
 * leaves the stack waiting until the resource's ServiceTimeout. So every path answers:
 *
 * - the request is validated (the Powertools parser's schemas, their zod/mini copies in
 *   schemas/cloudformation-custom-resource.ts); one that is not valid but says
 *   where to answer is answered FAILED with what is wrong;
 * - the work's result is answered SUCCESS, with its Data; its error FAILED, with a one-line reason
 *   (the message, never a stack trace) and where the function's logs are;
 * - a guard timer answers FAILED ("timed out after N s") `reserveMs` before the function's own
 *   timeout, if the work has not finished by then.
 *
 * The first of those is the only answer: it is sent once, after the race between the work and the
 * guard is decided. The PhysicalResourceId is stable: the one CloudFormation sent on Update and
 * Delete (another id on Update would make CloudFormation delete "the old resource"), and the
 * LogicalResourceId on Create, whether it succeeds or fails (CloudFormation then sends a Delete
 * for that id on rollback).
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import {
  sendCustomResourceResponse,
  type CustomResourceResponse,
  type CustomResourceStatus,
  type SendOptions,
} from '../adapters/cloudformation/custom-resource-response';
import { logger } from '../observability';
import { observedHandler } from './observed-handler';
import {
  customResourceCreateSchema,
  customResourceDeleteSchema,
  customResourceUpdateSchema,
} from './schemas/cloudformation-custom-resource';

// Powertools' schemas leave out PhysicalResourceId, which CloudFormation sends with every Update
// and Delete (zod would drop it from the parsed request).
const physicalResourceId = z.string().check(z.minLength(1));
export const customResourceRequestSchema = z.discriminatedUnion('RequestType', [
  customResourceCreateSchema,
  z.extend(customResourceUpdateSchema, { PhysicalResourceId: physicalResourceId }),
  z.extend(customResourceDeleteSchema, { PhysicalResourceId: physicalResourceId }),
]);
export type CustomResourceRequest = z.infer<typeof customResourceRequestSchema>;
export type CustomResourceRequestOf<T extends CustomResourceRequest['RequestType']> = Extract<
  CustomResourceRequest,
  { RequestType: T }
>;

/** Enough of a request to answer it, for one that is otherwise not valid. */
const replyToSchema = z.extend(
  z.pick(customResourceCreateSchema, { ResponseURL: true, StackId: true, RequestId: true, LogicalResourceId: true }),
  { PhysicalResourceId: z.optional(physicalResourceId) },
);

/** What a successful request answers: a reason for the stack's events, and Data for !GetAtt. */
export interface CustomResourceOutcome {
  reason: string;
  data?: Record<string, string>;
}

export interface CustomResourceHandlers {
  create(request: CustomResourceRequestOf<'Create'>): Promise<CustomResourceOutcome>;
  update(request: CustomResourceRequestOf<'Update'>): Promise<CustomResourceOutcome>;
  delete(request: CustomResourceRequestOf<'Delete'>): Promise<CustomResourceOutcome>;
}

export interface CustomResourceOptions {
  /**
   * How long before the function's timeout the guard answers FAILED: time for the answer itself
   * (its tries, custom-resource-response.ts) and some to spare.
   */
  reserveMs?: number;
  send?: SendOptions;
}

export const defaultReserveMs = 10_000;

/** An error as one line for CloudFormation: its message (an AggregateError's inner ones), no stack. */
export function failureReason(error: unknown): string {
  const messageOf = (e: unknown): string => {
    if (e instanceof AggregateError && !e.message) return e.errors.map(messageOf).join('; ');
    if (e instanceof Error) return e.message;
    return String(e);
  };
  const message = messageOf(error)
    .split('\n')
    .filter((line) => !/^\s*at\s/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  // PostgreSQL's own code (SQLSTATE) when the error, or what it wraps, carries one.
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  // Five characters with a digit: not a Node.js error code such as EPIPE.
  const sqlState = typeof code === 'string' && /^(?=.*\d)[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
  return `${message || 'Unknown error'}${sqlState}`;
}

type Answer = { status: CustomResourceStatus; reason: string; data?: Record<string, string> };

export function customResourceHandler(
  handlers: CustomResourceHandlers,
  options: CustomResourceOptions = {},
): (event: unknown, context: Context) => Promise<void> {
  const reserveMs = options.reserveMs ?? defaultReserveMs;

  return observedHandler(async (event: unknown, context: Context): Promise<void> => {
    const started = Date.now();
    const logs = `logs: ${context.logGroupName} ${context.logStreamName}`;
    const respond = (
      to: z.infer<typeof replyToSchema>,
      physicalResourceId: string,
      { status, reason, data }: Answer,
    ): Promise<void> => {
      const response: CustomResourceResponse = {
        Status: status,
        Reason: reason,
        PhysicalResourceId: physicalResourceId,
        StackId: to.StackId,
        RequestId: to.RequestId,
        LogicalResourceId: to.LogicalResourceId,
        NoEcho: false,
        ...(data ? { Data: data } : {}),
      };
      return sendCustomResourceResponse(to.ResponseURL, response, options.send);
    };

    const parsed = customResourceRequestSchema.safeParse(event);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`)
        .join('; ');
      logger.error('Invalid custom resource request', { problems });
      const replyTo = replyToSchema.safeParse(event);
      // Not from CloudFormation (nowhere to answer): the error above is all there is.
      if (!replyTo.success) return;
      const reason = `Invalid custom resource request: ${problems} (${logs})`;
      await respond(replyTo.data, replyTo.data.PhysicalResourceId ?? replyTo.data.LogicalResourceId, {
        status: 'FAILED',
        reason,
      });
      return;
    }

    const request = parsed.data;
    const physicalResourceId =
      request.RequestType === 'Create' ? request.LogicalResourceId : request.PhysicalResourceId;
    logger.info('Custom resource request', {
      requestType: request.RequestType,
      logicalResourceId: request.LogicalResourceId,
      physicalResourceId,
      properties: request.ResourceProperties,
    });

    const work: Promise<Answer> = (async () => {
      switch (request.RequestType) {
        case 'Create':
          return handlers.create(request);
        case 'Update':
          return handlers.update(request);
        case 'Delete':
          return handlers.delete(request);
      }
    })().then(
      ({ reason, data }): Answer => ({ status: 'SUCCESS', reason, data }),
      (error: unknown): Answer => {
        logger.error('Custom resource request failed', { error });
        return { status: 'FAILED', reason: `${failureReason(error)} (${logs})` };
      },
    );

    const budgetMs = Math.max(0, context.getRemainingTimeInMillis() - reserveMs);
    let timer: NodeJS.Timeout | undefined;
    let timedOut: Answer | undefined;
    const guard = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        logger.error('Custom resource request timed out', { seconds });
        timedOut = {
          status: 'FAILED',
          reason: `${request.RequestType} timed out after ${seconds} s, close to the function's timeout (${logs})`,
        };
        resolve(timedOut);
      }, budgetMs);
    });

    const answer = await Promise.race([work, guard]);
    clearTimeout(timer);
    await respond(request, physicalResourceId, answer);

    if (answer === timedOut) {
      // The work goes on until it ends or Lambda's timeout stops the function. A timeout resets
      // the execution environment, which closes its connections: a database then rolls back what
      // was unfinished and frees its locks. Whatever the work ends with, it is not answered again.
      const late = await work;
      logger.warn('Finished after CloudFormation was answered; not answered again', { late });
    }
  });
}
