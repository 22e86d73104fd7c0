/**
 * Application Load Balancer on the local platform (a LocalService, infra/local/aws/local-service.ts):
 * one listener on 127.0.0.1 (alb-listener.ts) serving the rules of the stack's load balancer as
 * serverless.yml declares them (listener-rules.ts: infra/resources/operations.yml's internal ALB),
 * invoking the target groups' functions through the local Lambda endpoint. Its address is
 * `endpoints.alb` in .local/stack.json. serverless-offline's own ALB server serves only functions'
 * `alb` events, which need a listener ARN that exists on every stage; Shelf's load balancer is
 * conditional, so it is raw CloudFormation, read here.
 */
import type { LocalService, StartedService } from '../local-service';
import { assertPortFree, closeServer } from '../../supervisor';
import { startAlbListener, type RunningListener } from './alb-listener';
import { albListeners, type AlbTarget } from './listener-rules';

export interface StartedAlb extends StartedService {
  endpoint: string;
  listener: RunningListener;
}

export const alb: LocalService<StartedAlb, 'alb'> = {
  name: 'alb',
  defaultPort: 3080,
  async start({ port, supervisor, log }) {
    await assertPortFree('ALB listener', port);
    const listener = await startAlbListener(port);
    supervisor.add('ALB listener', () => closeServer(listener.server));
    const endpoint = `http://127.0.0.1:${port}`;
    log(`ALB listener on ${endpoint}`);
    return { endpoint, listener };
  },
  startTriggers({ config, started, invoke }) {
    const listeners = albListeners(config);
    if (listeners.length > 1) {
      throw new Error(`The local platform serves one ALB listener; serverless.yml declares ${listeners.length}`);
    }
    const [listener] = listeners;
    started.listener.serve(listener, (functionKey, event) => invoke(functionKey, event));
    const forwards = (listener?.rules ?? []).flatMap((rule) =>
      rule.action.kind === 'forward' ? [`ALB ${rule.paths.join(' ') || '*'} → ${rule.action.functionKey}`] : [],
    );
    return Promise.resolve({
      sources: listener ? forwards : ['ALB: no load balancer on this stage (every path is a 404)'],
      idle: () => started.listener.idle(),
      stop: () => Promise.resolve(),
    });
  },
  sampleEvent({ declared, config, functionKey, fixture }) {
    if (declared) return undefined;
    const target = albListeners(config)
      .flatMap((listener) => [listener.defaultAction, ...listener.rules.map((rule) => rule.action)])
      .find((action): action is AlbTarget => action.kind === 'forward' && action.functionKey === functionKey);
    if (!target) return undefined;
    const event = fixture(
      target.multiValueHeaders
        ? 'alb-lambda-target-request-multivalue-headers.json'
        : 'alb-lambda-target-request-headers-only.json',
    ) as { requestContext: { elb: { targetGroupArn: string } } };
    event.requestContext.elb.targetGroupArn = target.targetGroupArn;
    return event;
  },
};
