/** The SNS client: one per execution environment, traced by X-Ray. */
import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '../../observability';

export const sns = tracer.captureAWSv3Client(new SNSClient({}));
