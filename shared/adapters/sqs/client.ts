/** The SQS client: one per execution environment, traced by X-Ray. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../../observability';

export const sqs = tracer.captureAWSv3Client(new SQSClient({}));
