/**
 * S3 on the local platform: s3rver behind a front that checks requests as S3 does (local-s3.ts),
 * the buckets of serverless.yml (buckets.ts), and their notifications to Lambda
 * (s3-notifications.ts, on the asynchronous-invocation core).
 */
import type { LocalService } from '../local-service';
import { createBuckets } from './buckets';
import { startS3 } from './local-s3';
import { sampleS3Event, startS3Notifications, type S3Started } from './s3-notifications';

export const s3: LocalService<S3Started, 's3'> = {
  name: 's3',
  defaultPort: 4569,
  async start({ port, dataDir, supervisor, log }) {
    const { endpoint, server } = await startS3(supervisor, port, dataDir);
    log(`S3 (s3rver behind its front) on ${endpoint}`);
    return { endpoint, server, functionEnv: { AWS_ENDPOINT_URL_S3: endpoint } };
  },
  resourceTypes: ['AWS::S3::Bucket'],
  createResources: createBuckets,
  startTriggers: (context) => Promise.resolve(startS3Notifications(context)),
  sampleEvent: (request) =>
    // Notifications are declared on the bucket, not among the function's events.
    request.declared === undefined
      ? sampleS3Event(request.fixture('s3-event.json'), request.functionKey, request)
      : undefined,
};
