/**
 * Order fulfilment in the packaged template: the state machine's definition is valid Amazon
 * States Language (asl-validator) with its task functions substituted in; it retries transient
 * errors with bounded, jittered back-off and compensates the rest; its role invokes exactly its
 * task functions; it logs without execution data and is traced; OrderPlaced starts it through a
 * role that may start it and nothing else.
 */
import { createRequire } from 'node:module';
import {
  PaymentDeclinedError,
  PaymentProviderUnavailableError,
  ShipmentRefusedError,
} from '../../shared/fulfilment/fulfilment';
import { InvalidTaskInputError } from '../../shared/triggers/state-machine-task';
import { readTemplate, resourcesOfType } from './cloudformation';
import { packagedTemplatePath } from './global-setup';

type Validator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
// asl-validator is CommonJS without types: its one export is the validating function.
const validate = createRequire(__filename)('asl-validator') as Validator;

const template = readTemplate(packagedTemplatePath);
const machine = template.Resources.OrderFulfilmentStateMachine!.Properties!;

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface State {
  Type: string;
  Resource?: string;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Next?: string;
}
const definition = machine.Definition as { StartAt: string; States: Record<string, State> };
const substitutions = machine.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;

/** The definition as Step Functions sees it: each ${Name} replaced by a function ARN. */
const substituted = JSON.parse(
  JSON.stringify(definition).replace(
    /\$\{(\w+)\}/g,
    (_, name: string) =>
      `arn:aws:lambda:us-east-1:123456789012:function:shelf-dev-${substitutions[name]!['Fn::GetAtt'][0]}`,
  ),
) as unknown;

const taskFunctions = [
  'CancelOrderLambdaFunction',
  'NotifyCustomerLambdaFunction',
  'RefundPaymentLambdaFunction',
  'ShipOrderLambdaFunction',
  'TakePaymentLambdaFunction',
];

describe('the order fulfilment state machine', () => {
  it('is valid Amazon States Language, a standard workflow', () => {
    const result = validate(substituted);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
    expect(machine.StateMachineType).toBe('STANDARD');
  });

  it('runs take payment → ship → notify, each Task one function of the stack', () => {
    const path: string[] = [];
    for (let name: string | undefined = definition.StartAt; name; name = definition.States[name]!.Next) path.push(name);
    expect(path).toEqual(['TakePayment', 'ShipOrder', 'NotifyCustomer']);
    const tasks = Object.values(definition.States).filter((s) => s.Type === 'Task');
    const functions = tasks.map((s) => substitutions[/^\$\{(\w+)\}$/.exec(s.Resource!)![1]!]!['Fn::GetAtt'][0]);
    expect(functions.sort()).toEqual(taskFunctions);
    for (const id of functions) expect(template.Resources[id]!.Type).toBe('AWS::Lambda::Function');
  });

  it('retries transient errors with bounded, jittered exponential back-off, and never a decline', () => {
    const retriers = Object.values(definition.States).flatMap((s) => s.Retry ?? []);
    for (const retrier of retriers.filter((r) => (r.MaxAttempts ?? 3) > 0)) {
      expect(retrier).toMatchObject({ BackoffRate: expect.any(Number), JitterStrategy: 'FULL' });
      expect(retrier.MaxAttempts).toBeLessThanOrEqual(5);
      expect(retrier.MaxDelaySeconds).toBeLessThanOrEqual(30);
    }
    const payment = definition.States.TakePayment!.Retry!;
    expect(payment[0]!.ErrorEquals).toEqual([new PaymentProviderUnavailableError('').name]);
    const retried = payment.flatMap((r) => r.ErrorEquals);
    expect(retried).not.toContain(new PaymentDeclinedError('').name);
    expect(retried).not.toContain('States.ALL');
  });

  it('compensates a failed payment or shipment in reverse: refund, then cancel with the stock back', () => {
    for (const name of ['TakePayment', 'ShipOrder']) {
      expect(definition.States[name]!.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RefundPayment' },
      ]);
    }
    expect(definition.States.RefundPayment!.Next).toBe('CancelOrder');
    expect(definition.States.CancelOrder!.Next).toBe('Cancelled');
    expect(definition.States.Cancelled!.Type).toBe('Fail');
    // The shipment's refusal is caught, not retried; a wiring mistake is not retried by the compensation.
    expect(definition.States.ShipOrder!.Retry!.flatMap((r) => r.ErrorEquals)).not.toContain(
      new ShipmentRefusedError('').name,
    );
    expect(definition.States.RefundPayment!.Retry![0]).toEqual({
      ErrorEquals: [new InvalidTaskInputError('').name, 'OrderNotFulfillable'],
      MaxAttempts: 0,
    });
  });

  it('may invoke exactly its task functions, logs errors without execution data, and is traced', () => {
    const role = template.Resources[(machine.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!]!;
    const statements = (role.Properties!.Policies as { PolicyDocument: { Statement: any[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('lambda:'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0].Action).toEqual(['lambda:InvokeFunction']);
    expect(invoke[0].Resource.map((r: { 'Fn::GetAtt': string[] }) => r['Fn::GetAtt'][0]).sort()).toEqual(taskFunctions);
    expect(role.Properties!.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'states.amazonaws.com',
    });
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('is started by OrderPlaced with the order id, through a role that may start it alone', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties!.Targets).includes('OrderFulfilmentStateMachine'),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1] as { Properties: Record<string, any> };
    expect(rule.Properties.EventPattern).toEqual({ source: ['shelf.orders'], 'detail-type': ['OrderPlaced'] });
    const [target] = rule.Properties.Targets;
    expect(target.InputTransformer).toEqual({
      InputPathsMap: { orderId: '$.detail.orderId' },
      InputTemplate: '{"orderId": "<orderId>"}',
    });
    const startRole = template.Resources[target.RoleArn['Fn::GetAtt'][0]]!;
    expect(startRole.Properties!.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: { Ref: 'OrderFulfilmentStateMachine' } },
    ]);
  });
});
