/**
 * Retry-safe operations with Powertools idempotency (records in IdempotencyTable,
 * infra/resources/tables.yml): POST /orders with an Idempotency-Key, and the order confirmation
 * keyed by order id (SNS may deliver a message twice). A request repeated with the same scope and key returns the first
 * result instead of running again; the same key with a different payload is refused.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { ConflictError, IdempotencyKeyReusedError } from '../../errors';
import { dynamodb } from './client';

export interface KeyedRequest<P> {
  /** Whose key it is (the caller's id): two customers may pick the same key. */
  scope: string;
  key: string;
  payload: P;
}

export function retrySafe<P, R extends object>(
  tableName: string,
  work: (payload: P) => Promise<R>,
  /** How long a key is remembered: a day unless the caller needs longer. */
  { expiresAfterSeconds = 24 * 60 * 60 }: { expiresAfterSeconds?: number } = {},
) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[scope, key]',
    payloadValidationJmesPath: 'payload',
    expiresAfterSeconds,
  });
  const once = makeIdempotent((request: KeyedRequest<P>) => work(request.payload), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamodb }),
    config,
  });

  return async (request: KeyedRequest<P>, context: Context): Promise<R> => {
    // Lets Powertools expire an in-progress record if this invocation times out.
    config.registerLambdaContext(context);
    try {
      return await once(request);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ConflictError('The first request with this key is still in progress; retry shortly');
      }
      if (error instanceof IdempotencyValidationError) {
        throw new IdempotencyKeyReusedError('This Idempotency-Key was already used with a different request');
      }
      throw error;
    }
  };
}
