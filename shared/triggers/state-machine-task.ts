/**
 * stateMachineTask: the wrapper for a function a Step Functions Task state invokes (its Resource
 * the function's ARN), on the observed-handler core (observed-handler.ts). The state's input is
 * validated with the task's zod schema; input that does not fit fails the task with
 * `InvalidTaskInput`, naming the fields, before anything is written. What the domain throws goes
 * back to Step Functions as the error's `name` (Lambda's errorType), which the state's Retry and
 * Catch match.
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
import type { Context } from 'aws-lambda';
import * as z from '../zod';
import { namedError } from '../errors';
import { observedHandler } from './observed-handler';

/** The state's input is not what this task takes: a wiring mistake, never retried. */
export class InvalidTaskInputError extends namedError('InvalidTaskInput') {}

export function stateMachineTask<S extends z.core.$ZodType, R>(
  schema: S,
  handle: (input: z.infer<S>, context: Context) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return observedHandler(async (event: unknown, context) => {
    const parsed = z.safeParse(schema, event);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'} ${issue.message}`);
      throw new InvalidTaskInputError(`The task's input is refused: ${problems.join('; ')}`);
    }
    return handle(parsed.data, context);
  });
}
