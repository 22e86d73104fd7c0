/** The Lambda client: one per execution environment, traced by X-Ray. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { tracer } from '../../observability';

export const lambda = tracer.captureAWSv3Client(new LambdaClient({}));
