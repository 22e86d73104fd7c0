/**
 * Executions of the local state machines, run by aws-local-stepfunctions (an Amazon States
 * Language interpreter: Retry with back-off and jitter, Catch, Choice, Map, Parallel), their Task
 * states handed to the local functions (state-machines.ts). Each execution is kept in memory with
 * its history, the interpreter's event log (ExecutionStarted, StateEntered, StateRetried,
 * StateCaught, StateExited, ExecutionFailed, ...), for the listing on the module's port.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DeclaredStateMachine } from './state-machines';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** The interpreter's event log, in order; each event's timestamp as ISO-8601. */
  history: Record<string, unknown>[];
}

/** What this module uses of aws-local-stepfunctions (an ES module with a CommonJS build). */
interface Interpreter {
  StateMachine: new (definition: unknown) => {
    run(
      input: unknown,
      options: {
        overrides: { taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> };
        context: Record<string, unknown>;
      },
    ): { result: Promise<unknown>; eventLogs: AsyncIterable<{ timestamp: number } & Record<string, unknown>> };
  };
}

/**
 * Required when the first execution starts, not when this module is imported (npm run invoke
 * imports every service module); the package needs Node.js 22 or later, as the stack runs on.
 */
let interpreter: Interpreter | undefined;
function loadInterpreter(): Interpreter {
  interpreter ??= createRequire(__filename)('aws-local-stepfunctions') as Interpreter;
  return interpreter;
}

export interface RunnableStateMachine extends DeclaredStateMachine {
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

export class Executions {
  private readonly all: Execution[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly log: (line: string) => void) {}

  /** Throws what the interpreter finds wrong with the definition (at start, not at the first order). */
  validate(machine: DeclaredStateMachine): void {
    const { StateMachine } = loadInterpreter();
    new StateMachine(machine.definition);
  }

  /** Newest first. */
  list(stateMachineArn?: string): Execution[] {
    return this.all.filter((e) => !stateMachineArn || e.stateMachineArn === stateMachineArn).reverse();
  }

  /** Starts an execution; a name already used on the state machine is refused, as AWS does. */
  start(machine: RunnableStateMachine, input: unknown, name: string = randomUUID()): Execution {
    if (this.stopped) throw new Error('The local Step Functions have stopped');
    if (this.all.some((e) => e.stateMachineArn === machine.arn && e.name === name)) {
      throw new Error(`ExecutionAlreadyExists: ${name} on ${machine.name}`);
    }
    const { StateMachine } = loadInterpreter();
    const execution: Execution = {
      executionArn: `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input,
      history: [],
    };
    this.all.push(execution);
    const run = new StateMachine(machine.definition).run(input, {
      overrides: { taskResourceLocalHandlers: machine.handlers },
      context: {
        Execution: { Id: execution.executionArn, Name: name, Input: input, StartTime: execution.startDate },
      },
    });
    const record = async () => {
      for await (const event of run.eventLogs) {
        const { timestamp, ...rest } = event;
        execution.history.push({ timestamp: new Date(timestamp).toISOString(), ...rest });
      }
    };
    const task = Promise.all([
      run.result.then(
        (output: unknown) => Object.assign(execution, { status: 'SUCCEEDED', output }),
        (error: Error & { cause?: unknown }) => {
          // The interpreter wraps what failed the execution (a Fail state's Error, a task's
          // uncaught error) in an ExecutionError: its cause is the error Step Functions reports.
          const failure = error.name === 'ExecutionError' && error.cause instanceof Error ? error.cause : error;
          Object.assign(execution, { status: 'FAILED', error: failure.name, cause: failure.message });
        },
      ),
      record().catch(() => undefined),
    ]).then(() => {
      execution.stopDate = new Date().toISOString();
      this.log(
        `Step Functions ${machine.name} ${name}: ${execution.status}${execution.error ? ` (${execution.error})` : ''}`,
      );
    });
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return execution;
  }

  /** Resolves once no execution is running. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** No new executions; those under way finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }
}
