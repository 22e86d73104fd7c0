/**
 * The SES (API v2) client: one per execution environment, traced by X-Ray. AWS_ENDPOINT_URL_SESV2
 * (set by the local stack) points it at aws-ses-v2-local, whose page shows what was sent.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../../observability';

export const ses = tracer.captureAWSv3Client(new SESv2Client({}));
