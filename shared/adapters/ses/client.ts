/** The SES (API v2) client: one per execution environment, traced by X-Ray. */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../../observability';

export const sesv2 = tracer.captureAWSv3Client(new SESv2Client({}));
