/** The CloudWatch client: one per execution environment, traced by X-Ray. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { tracer } from '../../observability';

export const cloudWatch = tracer.captureAWSv3Client(new CloudWatchClient({}));
