/**
 * The AWS::S3::Bucket resources of serverless.yml created on the local S3 (CreateBucket, and their
 * CORS rules with the local web app's origins). Their notifications name functions, which are no
 * resources here: s3-notifications.ts runs them.
 */
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  S3Client,
  type CORSRule,
} from '@aws-sdk/client-s3';
import type { CfnResource } from '../../../service-config';
import type { LocalResource } from '../../local-resources';
import type { ResourceContext, StartedService } from '../local-service';

type Json = unknown;

/** A CloudFormation CorsRule as the S3 API's CORSRule, allowing the local web origins. */
function localCorsRule(rule: Record<string, Json>, webOrigins: readonly string[]): CORSRule {
  return {
    AllowedMethods: rule.AllowedMethods as string[],
    AllowedOrigins: [...webOrigins],
    AllowedHeaders: rule.AllowedHeaders as string[] | undefined,
    ExposeHeaders: rule.ExposedHeaders as string[] | undefined,
    MaxAgeSeconds: rule.MaxAge as number | undefined,
  };
}

export async function createBuckets(
  declared: [logicalId: string, resource: CfnResource][],
  context: ResourceContext<StartedService & { endpoint: string }>,
): Promise<Map<string, LocalResource>> {
  const { config, intrinsics, webOrigins } = context;
  const s3 = new S3Client({
    region: context.region,
    credentials: context.credentials,
    endpoint: context.started.endpoint,
    forcePathStyle: true,
  });
  const created = new Map<string, LocalResource>();
  try {
    for (const [id, resource] of declared) {
      // CORS rules name the CloudFront domain, which locally is the local web server (web-server.ts).
      const {
        NotificationConfiguration: _notifications,
        CorsConfiguration: cors,
        ...unresolved
      } = resource.Properties ?? {};
      const p = intrinsics.resolve(unresolved) as Record<string, Json>;
      const bucket =
        (p.BucketName as string | undefined) ?? `${config.service}-${config.provider.stage}-${id.toLowerCase()}`;
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        // s3rver keeps buckets on disk between starts and answers BucketAlreadyExists for our own.
        if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
      }
      const corsRules = (cors as { CorsRules?: Record<string, Json>[] } | undefined)?.CorsRules;
      if (corsRules?.length) {
        await s3.send(
          new PutBucketCorsCommand({
            Bucket: bucket,
            CORSConfiguration: { CORSRules: corsRules.map((rule) => localCorsRule(rule, webOrigins)) },
          }),
        );
      }
      created.set(id, { type: resource.Type, ref: bucket, arn: `arn:aws:s3:::${bucket}` });
    }
  } finally {
    s3.destroy();
  }
  return created;
}
