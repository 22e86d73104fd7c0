/**
 * Domain errors. The domain throws these; shared/http/error-response.ts is the one place that
 * turns them into HTTP status codes. Nothing here knows about Lambda or HTTP.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly details?: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.details = details;
  }
}

/** Input that is well-formed JSON but breaks a rule (types, ranges, formats, unknown SKUs). */
export class InvalidInputError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  declare readonly details: FieldProblem[];

  constructor(message: string, problems: FieldProblem[]) {
    super(message, problems);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

/** Not enough stock for one or more lines of an order; names every short SKU. */
export class OutOfStockError extends DomainError {
  readonly code = 'OUT_OF_STOCK';
  declare readonly details: { shortages: Shortage[] };

  constructor(shortages: Shortage[]) {
    super(`Not enough stock for ${shortages.map((s) => s.sku).join(', ')}`, { shortages });
  }
}

/** The request conflicts with the current state (e.g. a retry still in progress). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

/** An Idempotency-Key sent again with a different request body. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
}

/** The caller sent more than its share; it may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retryAfterSeconds });
  }
}

/**
 * Part of a request could not be stored although it was valid (a downstream service refused it
 * even after retries). Details say what was stored, so the caller sends the rest again, not all.
 */
export class NotStoredError extends DomainError {
  readonly code = 'NOT_STORED';

  constructor(
    message: string,
    details: unknown,
    readonly retryAfterSeconds: number,
  ) {
    super(message, details);
  }
}

/**
 * A base for errors whose `name` is a contract with something outside the code (a Step Functions
 * Retry or Catch matches a task's error by it). The name is on the prototype, so it is in place
 * when the stack trace is captured and heads its first line too: that line survives where the
 * name does not (an error cloned between threads keeps its message and stack only).
 */
export function namedError(name: string): new (message?: string) => Error {
  const NamedError = class extends Error {};
  Object.defineProperty(NamedError.prototype, 'name', { value: name, writable: true, configurable: true });
  return NamedError;
}
