/**
 * The S3 client: one per execution environment, traced by X-Ray. Checksums only when S3 requires
 * them: streamed uploads of unknown length then work everywhere, S3-compatible local servers too.
 * AWS_ENDPOINT_URL_S3 (set by the local stack) points it at s3rver, which needs path-style URLs.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { tracer } from '../../observability';

export const s3 = tracer.captureAWSv3Client(
  new S3Client({
    forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  }),
);
