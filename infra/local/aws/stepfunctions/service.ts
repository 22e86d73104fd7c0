/**
 * Step Functions on the local platform (a LocalService, ../local-service.ts). The stack's
 * AWS::StepFunctions::StateMachine resources run on aws-local-stepfunctions (executions.ts), the
 * very definition the deploy uses, their Task states invoking the local functions
 * (state-machines.ts). Executions start where AWS starts them from here: an EventBridge rule
 * whose target is a state machine (rules.ts delivers to the `states` destination registered
 * below). What ran, with each execution's history, is listed as JSON on the module's port,
 * `executions` in .local/stack.json; `npm run executions` prints it (infra/local/executions.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalResource } from '../../local-resources';
import { closeServer } from '../../supervisor';
import type { LocalService, StartedService } from '../local-service';
import { Executions, type RunnableStateMachine } from './executions';
import { declaredStateMachine, taskHandlers, type DeclaredStateMachine } from './state-machines';

export interface StartedStepFunctions extends StartedService {
  endpoint: string;
  executions: Executions;
  /** The state machines, once created (createResources). */
  machines: DeclaredStateMachine[];
}

export const stepFunctions: LocalService<StartedStepFunctions, 'stepfunctions'> = {
  name: 'stepfunctions',
  // Step Functions Local's port.
  defaultPort: 8083,

  async start({ port, supervisor, log }) {
    const executions = new Executions(log);
    const server: Server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body, null, 2));
      };
      if (request.method !== 'GET' || url.pathname !== '/executions') {
        return reply(404, { message: 'GET /executions (?stateMachine=<name>) lists the executions' });
      }
      const machine = url.searchParams.get('stateMachine');
      const listed = executions
        .list()
        .filter((e) => !machine || e.stateMachineArn.endsWith(`:stateMachine:${machine}`));
      reply(200, { executions: listed });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    supervisor.add('Step Functions (local)', async () => {
      await executions.stop();
      await closeServer(server);
    });
    log(`Step Functions (aws-local-stepfunctions); executions at ${endpoint}/executions`);
    return { endpoint, executions, machines: [], stackInfo: { executions: `${endpoint}/executions` } };
  },

  resourceTypes: ['AWS::StepFunctions::StateMachine'],

  createResources(declared, { started, config, intrinsics, region }) {
    const created = new Map<string, LocalResource>();
    for (const [logicalId, resource] of declared) {
      const machine = declaredStateMachine(logicalId, resource.Properties ?? {}, { config, intrinsics, region });
      started.machines.push(machine);
      // Ref gives the ARN, GetAtt Name the name, as in CloudFormation.
      created.set(logicalId, {
        type: resource.Type,
        ref: machine.arn,
        arn: machine.arn,
        attributes: { Name: machine.name },
      });
    }
    return Promise.resolve(created);
  },

  startTriggers({ started, config, invoke, destinations }) {
    const runnable = new Map<string, RunnableStateMachine>(
      started.machines.map((machine) => [
        machine.arn,
        { ...machine, handlers: taskHandlers(machine, config, (key, event) => invoke(key, event)) },
      ]),
    );
    for (const machine of runnable.values()) started.executions.validate(machine);
    destinations.register('states', {
      describe: (arn) => runnable.get(arn)?.logicalId,
      deliver(arn, message) {
        const machine = runnable.get(arn);
        if (!machine) return Promise.reject(new Error(`no state machine ${arn}`));
        started.executions.start(machine, JSON.parse(message.body) as unknown);
        return Promise.resolve();
      },
    });
    return Promise.resolve({
      sources: [...runnable.values()].map(
        (m) => `Step Functions ${m.name}: ${Object.keys(m.handlers).length} Task states`,
      ),
      idle: () => started.executions.idle(),
      stop: () => started.executions.stop(),
    });
  },
};
