/**
 * The one error → HTTP mapper. Every error body has the shape
 * {"error": {"code", "message", "details"}}; an unexpected error is logged in full and the caller
 * gets a generic 500 with the request id, never a stack trace or a raw message.
 */
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  NotFoundError,
  NotStoredError,
  OutOfStockError,
  RateLimitedError,
} from '../errors';
import { logger } from '../observability';
import { HttpError } from './http-error';
import type { HttpResponse } from './responses';

const statusByError = new Map<abstract new (...args: never[]) => DomainError, number>([
  [InvalidInputError, 400],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [OutOfStockError, 409],
  [ConflictError, 409],
  [IdempotencyKeyReusedError, 422],
  [RateLimitedError, 429],
  [NotStoredError, 503],
]);

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, details: details ?? null } };
}

export function errorResponse(error: unknown, requestId: string): HttpResponse {
  if (error instanceof HttpError) {
    return { statusCode: error.statusCode, body: errorBody(error.code, error.message, error.details) };
  }
  if (error instanceof DomainError) {
    for (const [type, statusCode] of statusByError) {
      if (!(error instanceof type)) continue;
      const body = errorBody(error.code, error.message, error.details);
      // 429 and 503 say when to come back (RFC 9110, Retry-After).
      const retryAfter = 'retryAfterSeconds' in error ? Number(error.retryAfterSeconds) : undefined;
      return retryAfter === undefined
        ? { statusCode, body }
        : { statusCode, body, headers: { 'retry-after': String(retryAfter) } };
    }
  }
  logger.error('Unhandled error', { error });
  return {
    statusCode: 500,
    body: errorBody('INTERNAL', 'Something went wrong on our side. Quote the request id if you report it.', {
      requestId,
    }),
  };
}
