// Step Functions on the local platform (infra/local/aws/stepfunctions/): a state machine resource
// with its substitutions made, its Task states handed to a fake Invoke API (errors named as Lambda
// names them), and executions run by aws-local-stepfunctions with Retry and Catch, kept with their
// history.
import { Executions } from '../../../../infra/local/aws/stepfunctions/executions';
import {
  declaredStateMachine,
  lambdaErrorName,
  taskHandlers,
} from '../../../../infra/local/aws/stepfunctions/state-machines';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics } from '../../../../infra/local/local-resources';
import type { ServiceConfig } from '../../../../infra/service-config';

const region = 'us-east-1';
const config: ServiceConfig = {
  service: 'shelf',
  provider: { region, stage: 'local' },
  functions: {
    charge: { handler: 'x.charge', name: 'shelf-local-charge' },
    refund: { handler: 'x.refund', name: 'shelf-local-refund' },
  },
  resources: { Resources: {} },
};
const intrinsics = localIntrinsics(config, new Map());
const chargeArn = 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-charge';

const definition = {
  StartAt: 'Charge',
  States: {
    Charge: {
      Type: 'Task',
      Resource: '${ChargeArn}',
      Retry: [
        { ErrorEquals: ['Unavailable'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Refund' }],
      End: true,
    },
    Refund: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${RefundArn}', 'Payload.$': '$' },
      Next: 'Failed',
    },
    Failed: { Type: 'Fail', Error: 'Cancelled' },
  },
};

const machine = declaredStateMachine(
  'Fulfilment',
  {
    StateMachineName: 'shelf-local-fulfilment',
    Definition: definition,
    DefinitionSubstitutions: {
      ChargeArn: { 'Fn::GetAtt': ['ChargeLambdaFunction', 'Arn'] },
      RefundArn: { 'Fn::GetAtt': ['RefundLambdaFunction', 'Arn'] },
    },
  },
  { config, intrinsics, region },
);

const failed = (errorType: string, message: string, trace: string[] = []): Invocation => ({
  status: 200,
  functionError: 'Unhandled',
  payload: { errorType, errorMessage: message, trace },
});

describe('declaredStateMachine', () => {
  it("substitutes the functions' local ARNs into the definition", () => {
    expect(machine.arn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:shelf-local-fulfilment');
    expect((machine.definition.States as any).Charge.Resource).toBe(chargeArn);
    expect((machine.definition.States as any).Refund.Parameters.FunctionName).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-refund',
    );
  });

  it('refuses a ${name} without a substitution', () => {
    expect(() => declaredStateMachine('M', { Definition: definition }, { config, intrinsics, region })).toThrow(
      '${ChargeArn} has no DefinitionSubstitutions entry',
    );
  });
});

describe('lambdaErrorName', () => {
  it.each([
    [failed('PaymentDeclined', 'no'), 'PaymentDeclined'],
    // serverless-offline reports type Error: the stack's first line has the name.
    [failed('Error', 'no', ['PaymentDeclined: no', '    at x']), 'PaymentDeclined'],
    [failed('Error', 'no', ['Error: no']), 'Error'],
    [{ status: 0, functionError: 'InvokeFailed', payload: { errorMessage: 'down' } }, 'Lambda.ServiceException'],
  ])('names %j %s', (invocation, name) => {
    expect(lambdaErrorName(invocation)).toBe(name);
  });
});

describe('executions', () => {
  // A retry waits up to its IntervalSeconds (1 s, the least ASL allows); a loaded machine is slower.
  jest.setTimeout(20_000);

  it('retries a transient error, then succeeds, keeping the history', async () => {
    const invoke = jest
      .fn<Promise<Invocation>, [string, unknown]>()
      .mockResolvedValueOnce(failed('Error', 'timeout', ['Unavailable: timeout']))
      .mockResolvedValueOnce({ status: 200, payload: { chargeId: 'ch_1' } });
    const executions = new Executions(() => undefined);

    const execution = executions.start(
      { ...machine, handlers: taskHandlers(machine, config, invoke) },
      { orderId: 'o-1' },
      'o-1',
    );
    await executions.idle();

    expect(invoke).toHaveBeenCalledTimes(2);
    expect(invoke).toHaveBeenCalledWith('charge', { orderId: 'o-1' });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { chargeId: 'ch_1' }, name: 'o-1' });
    expect(execution.history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['ExecutionStarted', 'StateEntered', 'StateRetried', 'ExecutionSucceeded']),
    );
    expect(executions.list()).toEqual([execution]);
  });

  it('catches a failure into the compensation, through the lambda:invoke integration', async () => {
    const invoke = jest
      .fn<Promise<Invocation>, [string, unknown]>()
      .mockResolvedValueOnce(failed('Error', 'declined', ['Declined: declined']))
      .mockResolvedValueOnce({ status: 200, payload: { refunded: true } });
    const executions = new Executions(() => undefined);

    const execution = executions.start(
      { ...machine, handlers: taskHandlers(machine, config, invoke) },
      { orderId: 'o-2' },
    );
    await executions.idle();

    expect(invoke).toHaveBeenLastCalledWith('refund', {
      orderId: 'o-2',
      failure: { Error: 'Declined', Cause: 'declined' },
    });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Cancelled' });
  });

  it('refuses a second execution of the same name', async () => {
    const executions = new Executions(() => undefined);
    const runnable = {
      ...machine,
      handlers: taskHandlers(machine, config, () => Promise.resolve({ status: 200, payload: {} })),
    };

    executions.start(runnable, {}, 'once');

    expect(() => executions.start(runnable, {}, 'once')).toThrow('ExecutionAlreadyExists');
    await executions.idle();
  });

  it('will not run a Task state on a function of another service', () => {
    const foreign = {
      ...machine,
      definition: {
        StartAt: 'X',
        States: { X: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:other', End: true } },
      },
    };

    expect(() => taskHandlers(foreign, config, jest.fn())).toThrow('the local stack runs only its own functions');
  });
});
