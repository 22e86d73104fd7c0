/**
 * Destinations that are functions of this service (`destinations.onSuccess: answerRestockMail`):
 * Lambda invokes the target asynchronously with the invocation record as its event, so the target's
 * own retries, event age and destinations apply (async-invoke.ts). Registered as the `lambda`
 * delivery of destinations.ts.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
import type { RunningTriggers } from '../aws/local-service';
import { startAsyncInvocations, type AsyncInvokeOptions } from './async-invoke';
import { referencedFunctionKey } from './invoke';

export function startFunctionDestinations(options: AsyncInvokeOptions): RunningTriggers {
  const { config, destinations } = options;
  const invocations = startAsyncInvocations(options);
  // A record may name the target with a qualifier (`:$LATEST`); the function is the same.
  const functionKeyOf = (arn: string) => referencedFunctionKey(arn.replace(/(:function:[^:]+):.*$/, '$1'), config);
  destinations.register('lambda', {
    deliver(arn, message) {
      const functionKey = functionKeyOf(arn);
      if (!functionKey) return Promise.reject(new Error(`${arn} is no function of this service`));
      const record = JSON.parse(message.body) as { requestContext?: { functionArn?: string; condition?: string } };
      const source = record.requestContext?.functionArn ?? '';
      const from = functionKeyOf(source) ?? source;
      void invocations.invoke(
        functionKey,
        record,
        `${from} ${record.requestContext?.condition ?? ''} → ${functionKey}`,
      );
      return Promise.resolve();
    },
    describe: (arn) => functionKeyOf(arn),
  });
  return { sources: [], idle: () => invocations.idle(), stop: () => invocations.stop() };
}
