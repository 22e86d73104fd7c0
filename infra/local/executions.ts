/**
 * `npm run executions [-- <state machine name>] [--json]`: the local Step Functions executions
 * of the running stack (npm start), newest first, each with the states it went through, the
 * retries and the caught errors (infra/local/aws/stepfunctions/). --json prints the listing as is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localDataDir } from './data-dir';

interface Listed {
  name: string;
  stateMachineArn: string;
  status: string;
  startDate: string;
  stopDate?: string;
  error?: string;
  cause?: string;
  history: { type: string; state?: { name: string }; Error?: string; retry?: { attempt: number } }[];
}

/** One line per state the execution went through: `TakePayment ↻1 → ShipOrder ✗ShipmentRefused → ...`. */
export function describeExecution(execution: Listed): string {
  const steps: string[] = [];
  for (const event of execution.history) {
    const name = event.state?.name;
    if (event.type === 'StateEntered' && name) steps.push(name);
    else if (event.type === 'StateRetried') steps[steps.length - 1] += ` ↻${event.retry?.attempt ?? ''}`;
    else if (event.type === 'StateFailed' && event.Error) steps[steps.length - 1] += ` ✗${event.Error}`;
  }
  const machine = execution.stateMachineArn.split(':').at(-1);
  const outcome = execution.error ? `${execution.status} (${execution.error})` : execution.status;
  return `${execution.startDate}  ${machine}  ${execution.name}  ${outcome}\n    ${steps.join(' → ')}`;
}

async function main(args: string[]): Promise<void> {
  const stackFile = join(localDataDir(), 'stack.json');
  let url: string;
  try {
    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as {
      stackInfo?: { stepfunctions?: { executions?: string } };
    };
    url = stack.stackInfo!.stepfunctions!.executions!;
  } catch {
    throw new Error(`No local stack found (${stackFile} is missing): is npm start running?`);
  }
  const machine = args.find((arg) => !arg.startsWith('--'));
  const response = await fetch(machine ? `${url}?stateMachine=${encodeURIComponent(machine)}` : url);
  const { executions } = (await response.json()) as { executions: Listed[] };
  if (args.includes('--json')) return void console.log(JSON.stringify(executions, null, 2));
  if (!executions.length)
    return void console.log('No executions yet: place an order (docs/labs/17-step-functions-fulfilment.md).');
  for (const execution of executions) console.log(describeExecution(execution));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
