/**
 * The Kinesis client: one per execution environment, traced by X-Ray.
 *
 * The SDK's Kinesis client speaks HTTP/2 by default (for SubscribeToShard's event stream), which
 * the local emulator does not: when AWS_ENDPOINT_URL_KINESIS points it at one (the local stack),
 * it uses the HTTP/1.1 handler instead. PutRecords and GetRecords need nothing more.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { tracer } from '../../observability';

export const localKinesisEndpoint = (env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env.AWS_ENDPOINT_URL_KINESIS?.trim() || undefined;

export const kinesis = tracer.captureAWSv3Client(
  new KinesisClient(localKinesisEndpoint() ? { requestHandler: new NodeHttpHandler() } : {}),
);
