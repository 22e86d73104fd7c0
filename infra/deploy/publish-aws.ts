/**
 * Publishing the web app, the part that builds and talks to AWS: builds frontend/ with Vite, reads
 * the stack's outputs, uploads the files to the web bucket, deletes what the build no longer has
 * and invalidates what CloudFront may hold of the previous build, as publish-plan.ts decides.
 * Run by publish-web.ts (the Serverless plugin and `npm run publish:web`).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type CloudFormationClientConfig,
} from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildWebApp } from '../web/build-web-app';
import {
  invalidationPaths,
  planDeletions,
  planUploads,
  runtimeConfig,
  webStackOutputs,
  type DeletionOptions,
  type PlannedUpload,
  type WebStackOutputs,
} from './publish-plan';

export interface PublishClients {
  cloudFormation: CloudFormationClient;
  s3: S3Client;
  cloudFront: CloudFrontClient;
}

export interface PublishOptions extends DeletionOptions {
  clients: PublishClients;
  stackName: string;
  /** The built app (Vite's outDir). */
  buildDir: string;
  log?: (message: string) => void;
  /** Uploads running at once within a phase. */
  concurrency?: number;
  /** The stack's outputs, when already read; publishWeb reads them otherwise. */
  outputs?: WebStackOutputs;
}

export interface PublishResult {
  outputs: WebStackOutputs;
  uploaded: string[];
  deleted: string[];
  invalidationId?: string;
}

export async function readWebStackOutputs(cloudFormation: CloudFormationClient, stackName: string) {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  return webStackOutputs(Stacks?.[0]?.Outputs, stackName);
}

/** Every file under `dir`, relative to it, with forward slashes. */
export async function listBuildFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

export async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys;
}

async function putAll(
  s3: S3Client,
  bucket: string,
  buildDir: string,
  uploads: readonly PlannedUpload[],
  concurrency: number,
) {
  let next = 0;
  const worker = async () => {
    while (next < uploads.length) {
      const { key, contentType, cacheControl, source } = uploads[next++]!;
      const body = 'file' in source ? await readFile(join(buildDir, ...source.file.split('/'))) : source.text;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          CacheControl: cacheControl,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, uploads.length) }, worker));
}

async function deleteAll(s3: S3Client, bucket: string, keys: readonly string[]) {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const { Errors } = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
    );
    if (Errors?.length) {
      const first = Errors[0]!;
      throw new Error(
        `${Errors.length} stale object(s) not deleted from ${bucket}, e.g. ${first.Key}: ${first.Message}`,
      );
    }
  }
}

/** Publishes an already built app to the stack's web bucket and distribution. */
export async function publishWeb({
  clients,
  stackName,
  buildDir,
  pruneAssets,
  log = () => {},
  concurrency = 8,
  ...options
}: PublishOptions): Promise<PublishResult> {
  const outputs = options.outputs ?? (await readWebStackOutputs(clients.cloudFormation, stackName));
  const bucket = outputs.WebBucketName;
  const phases = planUploads(await listBuildFiles(buildDir), runtimeConfig(outputs));
  const uploaded = phases.flat().map((u) => u.key);

  // Listed before uploading, so that what is deleted is decided by what was there, not by timing.
  const existing = await listKeys(clients.s3, bucket);
  for (const phase of phases) await putAll(clients.s3, bucket, buildDir, phase, concurrency);
  log(`Uploaded ${uploaded.length} file(s) to s3://${bucket}`);

  // Only once the new build is complete: until then, the old one is what viewers get.
  const deleted = planDeletions(existing, uploaded, { pruneAssets });
  await deleteAll(clients.s3, bucket, deleted);
  if (deleted.length) log(`Deleted ${deleted.length} stale file(s)`);

  const { Invalidation } = await clients.cloudFront.send(
    new CreateInvalidationCommand({
      DistributionId: outputs.WebDistributionId,
      InvalidationBatch: {
        CallerReference: `publish-web-${Date.now()}`,
        Paths: { Quantity: invalidationPaths.length, Items: [...invalidationPaths] },
      },
    }),
  );
  log(`Invalidated ${invalidationPaths.join(' ')} (${Invalidation?.Id ?? 'no id'}); the app is at ${outputs.WebUrl}`);
  return { outputs, uploaded, deleted, invalidationId: Invalidation?.Id };
}

export interface AwsAccess {
  region: string;
  /** The framework's credential provider when run by it; the SDK's default chain otherwise. */
  credentials?: CloudFormationClientConfig['credentials'];
}

export function publishClients({ region, credentials }: AwsAccess): PublishClients {
  return {
    cloudFormation: new CloudFormationClient({ region, credentials }),
    s3: new S3Client({ region, credentials }),
    cloudFront: new CloudFrontClient({ region, credentials }),
  };
}

/** Builds the app (unless `dir` names a build) into a folder of its own, and publishes it. */
export async function buildAndPublish(
  options: Omit<PublishOptions, 'clients' | 'buildDir'> & { access: AwsAccess; dir?: string },
): Promise<PublishResult> {
  const clients = publishClients(options.access);
  let buildDir = options.dir;
  try {
    // First, so that a missing stack or missing credentials fail before a build.
    const outputs = await readWebStackOutputs(clients.cloudFormation, options.stackName);
    if (!buildDir) {
      // A folder of its own: frontend/dist may be in use by a local stack.
      buildDir = await mkdtemp(join(tmpdir(), 'shelf-web-'));
      options.log?.('Building the web app');
      await buildWebApp(buildDir);
    }
    return await publishWeb({ ...options, clients, buildDir, outputs });
  } finally {
    if (!options.dir && buildDir) await rm(buildDir, { recursive: true, force: true });
    clients.cloudFormation.destroy();
    clients.s3.destroy();
    clients.cloudFront.destroy();
  }
}
