/**
 * Where Lambda sends a record of what it did: an asynchronous invocation's on-success and
 * on-failure destinations and its function's dead-letter queue (async-invoke.ts), a stream
 * mapping's on-failure destination (event-source-poller.ts). Delivery goes by the ARN's service:
 * each service module that can receive registers how (SQS and SNS today, Step Functions starting an
 * execution; EventBridge and Lambda add theirs in their own modules), so the cores never name a service.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
import type { DestinationConfig, ServiceConfig } from '../../service-config';
import type { Intrinsics } from '../local-resources';
import { functionArn } from './invoke';

export interface DestinationMessage {
  /** The JSON record, or for a dead-letter queue the event itself. */
  body: string;
  /** Message attributes, as a dead-letter queue gets them (RequestID, ErrorCode, ErrorMessage). */
  attributes?: Record<string, string | number>;
}

export interface DestinationDelivery {
  /** Sends the message to the resource the ARN names; rejects when it cannot. */
  deliver(arn: string, message: DestinationMessage): Promise<void>;
  /** How log lines name the target (e.g. its logical id), when the delivery knows it. */
  describe?(arn: string): string | undefined;
  /** Frees what it holds (a client), once every trigger that sends records has stopped. */
  close?(): void;
}

/** `sqs` for `arn:aws:sqs:us-east-1:000000000000:queue`. */
export const arnService = (arn: string) => arn.split(':')[2] ?? '';

export class Destinations {
  private readonly deliveries = new Map<string, DestinationDelivery>();

  /** `service` is the ARN's service part: `sqs`, `sns`, `events`, `lambda`. */
  register(service: string, delivery: DestinationDelivery): void {
    if (this.deliveries.has(service)) throw new Error(`Destinations of ${service} are already delivered`);
    this.deliveries.set(service, delivery);
  }

  /** The target's name for a log line. */
  describe(arn: string): string {
    return this.deliveries.get(arnService(arn))?.describe?.(arn) ?? arn;
  }

  /** Once every trigger has stopped: nothing is sent any more. */
  close(): void {
    for (const delivery of this.deliveries.values()) delivery.close?.();
    this.deliveries.clear();
  }

  /** Delivers the message; rejects saying why it could not (no local delivery for that service). */
  async deliver(arn: string, message: DestinationMessage): Promise<void> {
    const delivery = this.deliveries.get(arnService(arn));
    if (!delivery) throw new Error(`${arnService(arn) || arn} destinations are not delivered locally`);
    await delivery.deliver(arn, message);
  }
}

/**
 * A destination as serverless.yml declares it (an ARN, `{ type, arn }` with an intrinsic, or the
 * name of a function of this service), as an ARN.
 */
export function destinationArn(
  destination: DestinationConfig | undefined,
  config: ServiceConfig,
  intrinsics: Intrinsics,
): string | undefined {
  if (destination === undefined || destination === null) return undefined;
  const target = String(intrinsics.resolve(typeof destination === 'string' ? destination : destination.arn));
  if (target.startsWith('arn:')) return target;
  const functionKey = Object.keys(config.functions).find(
    (key) => key === target || config.functions[key]!.name === target,
  );
  if (!functionKey) throw new Error(`Destination ${target} is neither an ARN nor a function of this service`);
  return functionArn(config, functionKey);
}
