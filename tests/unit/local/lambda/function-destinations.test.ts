// Functions as destinations of other functions (infra/local/lambda/function-destinations.ts): one
// function's success record becomes the target's event, invoked asynchronously with the target's
// own retries, as Lambda does. A fake Invoke API stands in for the functions.
import { startAsyncInvocations } from '../../../../infra/local/lambda/async-invoke';
import { Destinations } from '../../../../infra/local/lambda/destinations';
import { startFunctionDestinations } from '../../../../infra/local/lambda/function-destinations';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics } from '../../../../infra/local/local-resources';
import type { ServiceConfig } from '../../../../infra/service-config';

const config: ServiceConfig = {
  service: 'shelf',
  provider: { region: 'us-east-1', stage: 'local' },
  functions: {
    receiveRestockMail: {
      handler: 'x.handler',
      name: 'shelf-local-receiveRestockMail',
      destinations: { onSuccess: 'answerRestockMail' },
    },
    answerRestockMail: { handler: 'y.handler', name: 'shelf-local-answerRestockMail', maximumRetryAttempts: 1 },
  },
  resources: { Resources: {} },
};

it("invokes the on-success function with the invocation record, retried as the target's settings say", async () => {
  const invoked: { functionKey: string; event: unknown }[] = [];
  let answerFailures = 1;
  const invoke = (functionKey: string, event: unknown): Promise<Invocation> => {
    invoked.push({ functionKey, event });
    if (functionKey === 'answerRestockMail' && answerFailures-- > 0) {
      return Promise.resolve({ status: 200, functionError: 'Unhandled', payload: { errorMessage: 'SES away' } });
    }
    return Promise.resolve({ status: 200, payload: { answer: 'thanks' } });
  };
  const destinations = new Destinations();
  const options = {
    config,
    intrinsics: localIntrinsics(config, new Map()),
    invoke,
    destinations,
    timing: { retryDelayMs: 1, sleep: () => Promise.resolve(true) },
  };
  const targets = startFunctionDestinations(options);
  const sources = startAsyncInvocations(options);

  const outcome = await sources.invoke('receiveRestockMail', { Records: ['mail'] }, 'SES → receiveRestockMail');
  await targets.idle();

  expect(outcome).toMatchObject({ condition: 'Success', sentTo: 'answerRestockMail' });
  expect(invoked.map((i) => i.functionKey)).toEqual(['receiveRestockMail', 'answerRestockMail', 'answerRestockMail']);
  expect(invoked[1]!.event).toMatchObject({
    version: '1.0',
    requestContext: {
      condition: 'Success',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-receiveRestockMail:$LATEST',
    },
    requestPayload: { Records: ['mail'] },
    responsePayload: { answer: 'thanks' },
  });
  await Promise.all([sources.stop(), targets.stop()]);
});

it('refuses a destination that is no function of this service', async () => {
  const destinations = new Destinations();
  startFunctionDestinations({
    config,
    intrinsics: localIntrinsics(config, new Map()),
    invoke: () => Promise.reject(new Error('not invoked')),
    destinations,
  });
  await expect(
    destinations.deliver('arn:aws:lambda:us-east-1:000000000000:function:elsewhere', { body: '{}' }),
  ).rejects.toThrow('arn:aws:lambda:us-east-1:000000000000:function:elsewhere is no function of this service');
});
