// Publishing a built web app to its stack, with CloudFormation, S3 and CloudFront mocked at the SDK.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { listBuildFiles, publishWeb, type PublishClients } from '../../../infra/deploy/publish-aws';
import { asCloudFormation, stackOutputs } from './publish-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const cloudFront = mockClient(CloudFrontClient);
const bucket = stackOutputs.WebBucketName;
const stackName = 'shelf-sandbox';

let buildDir: string;
let clients: PublishClients;

/** A build as Vite writes it, with a stray config.json that must not be published. */
function writeBuild(dir: string) {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/index-B1a2c3d4.js"></script>',
  );
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'config.json'), '{"apiUrl":"http://127.0.0.1:3000"}');
  writeFileSync(join(dir, 'assets', 'index-B1a2c3d4.js'), 'console.log("shop")');
  writeFileSync(join(dir, 'assets', 'index-D5e6f7a8.css'), 'body{margin:0}');
}

const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
/** A PutObject body: a Buffer read from the build, or generated text. */
const text = (input: PutObjectCommandInput | undefined) => Buffer.from(input!.Body as Buffer | string).toString('utf8');

beforeEach(() => {
  cloudFormation.reset();
  s3.reset();
  cloudFront.reset();
  buildDir = mkdtempSync(join(tmpdir(), 'shelf-publish-test-'));
  writeBuild(buildDir);
  clients = {
    cloudFormation: new CloudFormationClient({}),
    s3: new S3Client({}),
    cloudFront: new CloudFrontClient({}),
  };

  cloudFormation.on(DescribeStacksCommand, { StackName: stackName }).resolves({
    Stacks: [
      {
        StackName: stackName,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: asCloudFormation(stackOutputs),
      },
    ],
  });
  // Two pages: an earlier build's index, asset and stale file.
  s3.on(ListObjectsV2Command, { Bucket: bucket, ContinuationToken: undefined })
    .resolves({
      Contents: [{ Key: 'index.html' }, { Key: 'assets/index-OLD00000.js' }],
      IsTruncated: true,
      NextContinuationToken: 'page-2',
    })
    .on(ListObjectsV2Command, { Bucket: bucket, ContinuationToken: 'page-2' })
    .resolves({ Contents: [{ Key: 'robots.txt' }, { Key: 'config.json' }], IsTruncated: false });
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectsCommand).resolves({});
  cloudFront.on(CreateInvalidationCommand).resolves({
    Invalidation: { Id: 'I2EXAMPLE', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined },
  });
});

afterEach(() => rmSync(buildDir, { recursive: true, force: true }));

describe('publishWeb', () => {
  it('uploads every file of the build with its Content-Type and Cache-Control, and the deployed config.json', async () => {
    const result = await publishWeb({ clients, stackName, buildDir });

    const byKey = new Map(puts().map((input) => [input.Key, input]));
    expect([...byKey.keys()].sort()).toEqual([
      'assets/index-B1a2c3d4.js',
      'assets/index-D5e6f7a8.css',
      'config.json',
      'favicon.svg',
      'index.html',
    ]);
    const headers = (input: PutObjectCommandInput | undefined) => ({
      Bucket: input?.Bucket,
      ContentType: input?.ContentType,
      CacheControl: input?.CacheControl,
    });
    expect(headers(byKey.get('assets/index-B1a2c3d4.js'))).toEqual({
      Bucket: bucket,
      ContentType: 'text/javascript; charset=utf-8',
      CacheControl: 'public, max-age=31536000, immutable',
    });
    expect(headers(byKey.get('index.html'))).toEqual({
      Bucket: bucket,
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'no-cache',
    });
    expect(headers(byKey.get('config.json'))).toEqual({
      Bucket: bucket,
      ContentType: 'application/json; charset=utf-8',
      CacheControl: 'no-cache',
    });
    expect(text(byKey.get('index.html'))).toContain('/assets/index-B1a2c3d4.js');
    expect(JSON.parse(text(byKey.get('config.json')))).toEqual({
      apiUrl: stackOutputs.HttpApiUrl,
      auth: { mode: 'cognito', domain: stackOutputs.UserPoolDomainUrl, clientId: stackOutputs.UserPoolClientId },
    });
    expect(result.uploaded).toHaveLength(5);
  });

  it('puts index.html last, after the assets it names', async () => {
    await publishWeb({ clients, stackName, buildDir, concurrency: 3 });

    const keys = puts().map((input) => input.Key!);
    expect(keys.at(-1)).toBe('index.html');
    expect(keys.indexOf('assets/index-B1a2c3d4.js')).toBeLessThan(keys.indexOf('favicon.svg'));
    expect(keys.indexOf('assets/index-D5e6f7a8.css')).toBeLessThan(keys.indexOf('config.json'));
  });

  it('deletes stale files only after every upload, and keeps earlier builds’ assets', async () => {
    const result = await publishWeb({ clients, stackName, buildDir });

    const calls = s3.calls().map((call) => call.args[0].constructor.name);
    expect(calls.lastIndexOf('PutObjectCommand')).toBeLessThan(calls.indexOf('DeleteObjectsCommand'));
    expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 1);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: bucket,
      Delete: { Objects: [{ Key: 'robots.txt' }], Quiet: true },
    });
    expect(result.deleted).toEqual(['robots.txt']);
  });

  it('deletes earlier builds’ assets when asked to prune them', async () => {
    await publishWeb({ clients, stackName, buildDir, pruneAssets: true });

    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Delete: { Objects: [{ Key: 'assets/index-OLD00000.js' }, { Key: 'robots.txt' }], Quiet: true },
    });
  });

  it('invalidates the entry points once the files are in place', async () => {
    const result = await publishWeb({ clients, stackName, buildDir });

    expect(cloudFront).toHaveReceivedCommandTimes(CreateInvalidationCommand, 1);
    expect(cloudFront).toHaveReceivedCommandWith(CreateInvalidationCommand, {
      DistributionId: stackOutputs.WebDistributionId,
      InvalidationBatch: {
        CallerReference: expect.stringMatching(/^publish-web-\d+$/),
        Paths: { Quantity: 3, Items: ['/', '/index.html', '/config.json'] },
      },
    });
    expect(result.invalidationId).toBe('I2EXAMPLE');
  });

  it('touches nothing when the stack lacks an output it needs', async () => {
    const { WebBucketName: _bucket, ...rest } = stackOutputs;
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: stackName,
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: asCloudFormation(rest),
        },
      ],
    });

    await expect(publishWeb({ clients, stackName, buildDir })).rejects.toThrow('has no output WebBucketName');
    expect(s3.calls()).toHaveLength(0);
    expect(cloudFront.calls()).toHaveLength(0);
  });

  it('fails, without invalidating, when S3 refuses to delete a stale file', async () => {
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'robots.txt', Code: 'AccessDenied', Message: 'Access Denied' }],
    });

    await expect(publishWeb({ clients, stackName, buildDir })).rejects.toThrow(
      `1 stale object(s) not deleted from ${bucket}, e.g. robots.txt: Access Denied`,
    );
    expect(cloudFront.calls()).toHaveLength(0);
  });
});

describe('listBuildFiles', () => {
  it('lists every file of the build, relative, with forward slashes', async () => {
    expect(await listBuildFiles(buildDir)).toEqual([
      'assets/index-B1a2c3d4.js',
      'assets/index-D5e6f7a8.css',
      'config.json',
      'favicon.svg',
      'index.html',
    ]);
  });
});
