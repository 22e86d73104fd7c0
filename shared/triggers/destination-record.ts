/**
 * destinationRecord: the wrapper for a function that is another function's on-success destination
 * (`destinations.onSuccess` in functions.yml), on the observed-handler core (observed-handler.ts).
 * Lambda invokes it asynchronously with an invocation record: the event the other function got
 * (`requestPayload`) and what it returned (`responsePayload`), which is validated with `payload`.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { observedHandler } from './observed-handler';

const invocationRecordSchema = z.object({
  version: z.literal('1.0'),
  timestamp: z.iso.datetime(),
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.enum(['Success', 'RetriesExhausted', 'EventAgeExceeded']),
    approximateInvokeCount: z.number().check(z.int(), z.positive()),
  }),
  responsePayload: z.unknown(),
});

export interface SuccessRecord<T> {
  /** The function whose success this is (its ARN, with the version that ran). */
  functionArn: string;
  requestId: string;
  responsePayload: T;
}

export function destinationRecord<S extends z.core.$ZodType, R>(
  payload: S,
  handle: (record: SuccessRecord<z.infer<S>>, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler((event: unknown, context) => {
    const record = invocationRecordSchema.parse(event);
    // An on-success destination only ever gets successes: anything else is a wiring mistake.
    if (record.requestContext.condition !== 'Success') {
      throw new Error(`Expected an on-success record, got ${record.requestContext.condition}`);
    }
    return handle(
      {
        functionArn: record.requestContext.functionArn,
        requestId: record.requestContext.requestId,
        responsePayload: z.parse(payload, record.responsePayload),
      },
      context,
    );
  });
}
