/**
 * The stack's AWS::StepFunctions::StateMachine resources as the local platform runs them: the
 * definition with its DefinitionSubstitutions filled in (a function's `Fn::GetAtt [X, Arn]`
 * becomes its local ARN), and for every Task state that invokes a function of this service, a
 * handler that invokes it on the local function host, as Step Functions invokes Lambda:
 * - `Resource: <function ARN>`: the function gets the state's input, the state its result;
 * - `Resource: arn:aws:states:::lambda:invoke` with `Parameters.FunctionName` (and Payload): the
 *   state's result is the integration's `{ Payload, StatusCode, ... }`.
 * A function's error fails the state with the error's name, which Retry and Catch match.
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html
 */
import type { ServiceConfig } from '../../../service-config';
import { errorMessage, functionArn, referencedFunctionKey, type Invocation } from '../../lambda/invoke';
import { localAccountId, type Intrinsics } from '../../local-resources';

type Json = Record<string, unknown>;

export interface DeclaredStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  /** The Amazon States Language definition, substitutions made. */
  definition: Json;
}

interface StateMachineProperties {
  StateMachineName?: unknown;
  Definition?: unknown;
  DefinitionString?: unknown;
  DefinitionSubstitutions?: Record<string, unknown>;
}

export function stateMachineArn(region: string, name: string): string {
  return `arn:aws:states:${region}:${localAccountId}:stateMachine:${name}`;
}

export function declaredStateMachine(
  logicalId: string,
  properties: StateMachineProperties,
  context: { config: ServiceConfig; intrinsics: Intrinsics; region: string },
): DeclaredStateMachine {
  const { config, intrinsics, region } = context;
  const name =
    properties.StateMachineName === undefined
      ? `${config.service}-${config.provider.stage}-${logicalId}`
      : String(intrinsics.resolve(properties.StateMachineName));
  const raw =
    properties.Definition !== undefined
      ? JSON.stringify(properties.Definition)
      : typeof properties.DefinitionString === 'string'
        ? properties.DefinitionString
        : undefined;
  if (raw === undefined)
    throw new Error(`${logicalId}: the local stack runs a Definition or a literal DefinitionString`);
  const values = new Map(
    Object.entries(properties.DefinitionSubstitutions ?? {}).map(([key, value]) => {
      const functionKey = referencedFunctionKey(value, config);
      return [key, functionKey ? functionArn(config, functionKey) : String(intrinsics.resolve(value))] as const;
    }),
  );
  // Substituted inside JSON strings: a value is escaped as JSON string content.
  const substituted = raw.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`${logicalId}: \${${key}} has no DefinitionSubstitutions entry`);
    return JSON.stringify(value).slice(1, -1);
  });
  return { logicalId, name, arn: stateMachineArn(region, name), definition: JSON.parse(substituted) as Json };
}

/** Every Task state, nested ones (Parallel branches, Map processors) too: name → definition. */
export function taskStates(definition: Json): Map<string, Json> {
  const tasks = new Map<string, Json>();
  const visit = (machine: Json | undefined) => {
    for (const [name, state] of Object.entries((machine?.States ?? {}) as Record<string, Json>)) {
      if (state.Type === 'Task') tasks.set(name, state);
      for (const branch of (state.Branches ?? []) as Json[]) visit(branch);
      visit((state.ItemProcessor ?? state.Iterator) as Json | undefined);
    }
  };
  visit(definition);
  return tasks;
}

/** A failed task, named as Step Functions names the error for Retry and Catch. */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * The error type Lambda would report. serverless-offline reports every thrown error as type
 * `Error` (and its worker threads drop a custom `name`), but the stack's first line still begins
 * with the name the error was created with (shared/errors.ts, namedError).
 */
export function lambdaErrorName(invocation: Invocation): string {
  if (invocation.functionError === 'InvokeFailed') return 'Lambda.ServiceException';
  const payload = invocation.payload as { errorType?: unknown; trace?: unknown } | null;
  const type = typeof payload?.errorType === 'string' ? payload.errorType : undefined;
  if (type && type !== 'Error') return type;
  const firstLine = Array.isArray(payload?.trace) ? String(payload.trace[0] ?? '') : '';
  return /^([A-Za-z][\w.]*)(?::|$)/.exec(firstLine)?.[1] ?? type ?? 'Lambda.Unknown';
}

export type Invoke = (functionKey: string, event: unknown) => Promise<Invocation>;

/** The local handlers of the Task states that invoke this service's functions, by state name. */
export function taskHandlers(
  machine: DeclaredStateMachine,
  config: ServiceConfig,
  invoke: Invoke,
): Record<string, (input: unknown) => Promise<unknown>> {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const call = async (functionKey: string, event: unknown) => {
    const invocation = await invoke(functionKey, event);
    if (invocation.functionError) throw new TaskError(lambdaErrorName(invocation), errorMessage(invocation));
    return invocation.payload;
  };
  for (const [stateName, state] of taskStates(machine.definition)) {
    const resource = String(state.Resource);
    if (/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/.test(resource)) {
      if (resource.endsWith('waitForTaskToken')) {
        throw new Error(
          `${machine.name}: state ${stateName} waits for a task token, which the local stack does not run`,
        );
      }
      // The interpreter hands over the state's Parameters, evaluated: FunctionName and Payload.
      handlers[stateName] = async (input) => {
        const { FunctionName: name, Payload: payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
        const functionKey = referencedFunctionKey(String(name), config);
        if (!functionKey) throw new TaskError('Lambda.ResourceNotFoundException', `No local function ${String(name)}`);
        return { ExecutedVersion: '$LATEST', Payload: await call(functionKey, payload), StatusCode: 200 };
      };
      continue;
    }
    const functionKey = referencedFunctionKey(resource, config);
    if (!functionKey) {
      throw new Error(
        `${machine.name}: state ${stateName} runs ${resource}; the local stack runs only its own functions`,
      );
    }
    handlers[stateName] = (input) => call(functionKey, input);
  }
  return handlers;
}
