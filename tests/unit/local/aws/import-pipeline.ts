// The import pipeline's declarations as `serverless print --stage local` gives them, the local
// resources made from them, a record as s3rver emits it, and a trigger context as start-shelf.ts
// builds one: what the S3 and SQS modules' tests share.
import { EventEmitter } from 'node:events';
import type S3rver from 's3rver';
import type { TriggerContext } from '../../../../infra/local/aws/local-service';
import type { S3rverRecord } from '../../../../infra/local/aws/s3/s3-notifications';
import { Destinations } from '../../../../infra/local/lambda/destinations';
import { localInvoker } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { ServiceConfig } from '../../../../infra/service-config';

export const bucket = 'shelf-local-uploads-us-east-1-000000000000';
export const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;
export const queueUrl = (name: string) => `http://127.0.0.1:9324/123456789012/${name}`;

/** What `serverless print --stage local` gives for the import pipeline's declarations. */
export function serviceConfig(): ServiceConfig {
  return {
    service: 'shelf',
    provider: { region: 'us-east-1', stage: 'local' },
    functions: {
      processUpload: {
        handler: 'services/imports/process-upload.handler',
        name: 'shelf-local-processUpload',
        timeout: 900,
        maximumRetryAttempts: 2,
        destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['UploadFailuresQueue', 'Arn'] } } },
        events: [],
      },
      loadImportChunk: {
        handler: 'services/imports/load-import-chunk.handler',
        name: 'shelf-local-loadImportChunk',
        timeout: 60,
        reservedConcurrency: 5,
        events: [
          {
            sqs: {
              arn: { 'Fn::GetAtt': ['ImportQueue', 'Arn'] },
              batchSize: 10,
              maximumBatchingWindow: 1,
              maximumConcurrency: 5,
              functionResponseType: 'ReportBatchItemFailures',
            },
          },
        ],
      },
      'import-csv_v2': { handler: 'x.handler', name: 'shelf-local-import-csv_v2' },
    },
    resources: {
      Resources: {
        UploadsBucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: { 'Fn::Sub': 'shelf-local-uploads-${AWS::Region}-${AWS::AccountId}' },
            NotificationConfiguration: {
              LambdaConfigurations: [
                {
                  Event: 's3:ObjectCreated:*',
                  Filter: {
                    S3Key: {
                      Rules: [
                        { Name: 'prefix', Value: 'uploads/' },
                        { Name: 'suffix', Value: '.csv' },
                      ],
                    },
                  },
                  Function: { 'Fn::GetAtt': ['ProcessUploadLambdaFunction', 'Arn'] },
                },
                {
                  Event: 's3:ObjectCreated:*',
                  Filter: {
                    S3Key: {
                      Rules: [
                        { Name: 'Prefix', Value: { 'Fn::Sub': 'uploads/' } },
                        { Name: 'Suffix', Value: '.csv.gz' },
                      ],
                    },
                  },
                  Function: { 'Fn::GetAtt': 'ProcessUploadLambdaFunction.Arn' },
                  Id: 'gzipped-uploads',
                },
              ],
            },
          },
        },
        ImportQueue: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: 'shelf-local-imports',
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ImportDeadLetterQueue', 'Arn'] } },
          },
        },
        ImportDeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shelf-local-imports-dlq' } },
        UploadFailuresQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shelf-local-upload-failures' } },
      },
    },
  };
}

export function localResources(): Map<string, LocalResource> {
  const queue = (name: string): LocalResource => ({
    type: 'AWS::SQS::Queue',
    ref: queueUrl(name),
    arn: queueArn(name),
  });
  return new Map<string, LocalResource>([
    ['UploadsBucket', { type: 'AWS::S3::Bucket', ref: bucket, arn: `arn:aws:s3:::${bucket}` }],
    ['ImportQueue', queue('shelf-local-imports')],
    ['ImportDeadLetterQueue', queue('shelf-local-imports-dlq')],
    ['UploadFailuresQueue', queue('shelf-local-upload-failures')],
  ]);
}

/** A record as s3rver 3.7.1 emits it (lib/models/event.js). */
export function s3rverRecord(
  overrides: { eventName?: string; key?: string; eTag?: string; ip?: string } = {},
): S3rverRecord {
  return {
    eventVersion: '2.0',
    eventTime: '2026-03-01T10:00:00.000Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:ABCDEF0123456789ABCDE' },
    requestParameters: { sourceIPAddress: overrides.ip ?? '127.0.0.1' },
    responseElements: { 'x-amz-request-id': '0123456789ABCDEF', 'x-amz-id-2': 'aGFzaA==' },
    s3: {
      bucket: { name: bucket, ownerIdentity: { principalId: 'A1B2C3D4E5F6A7' } },
      object: {
        key: overrides.key ?? 'uploads/spring catalog.csv',
        size: 1024,
        ...(overrides.eTag === undefined ? {} : { eTag: overrides.eTag }),
        sequencer: '19C8F0A1B2C',
      },
    },
  };
}

export interface TestContext extends TriggerContext<{ endpoint: string; server: S3rver }> {
  /** s3rver as an emitter: tests emit its 'event'. */
  s3Server: EventEmitter;
  lines: string[];
}

/** What start-shelf.ts gives each module's startTriggers, with serverless-offline at 127.0.0.1:3002. */
export function triggerContext(config = serviceConfig()): TestContext {
  const resources = localResources();
  const lines: string[] = [];
  const s3Server = new EventEmitter();
  return {
    config,
    region: 'us-east-1',
    started: { endpoint: 'http://127.0.0.1:9324', server: s3Server as unknown as S3rver },
    s3Server,
    resources,
    intrinsics: localIntrinsics(config, resources),
    endpoints: { dynamodb: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2', sqs: 'http://127.0.0.1:9324' },
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    invoke: localInvoker('http://127.0.0.1:3002', config),
    destinations: new Destinations(),
    functionOutput: () => () => undefined,
    dataDir: '/nonexistent',
    log: (line) => lines.push(line),
    lines,
  };
}
