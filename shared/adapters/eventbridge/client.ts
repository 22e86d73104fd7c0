/** The EventBridge client: one per execution environment, traced by X-Ray. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { tracer } from '../../observability';

export const eventBridge = tracer.captureAWSv3Client(new EventBridgeClient({}));
