// The file processor: S3 ObjectCreated on uploads/*.csv(.gz) (UploadsBucket's notification,
// infra/resources/storage.yml). Streams each uploaded file into chunks on the import queue and a
// rejects report, and records the counts on the import job.
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoDbImportJobStore } from '../../shared/adapters/dynamodb/import-job-store';
import { s3 } from '../../shared/adapters/s3/client';
import { S3UploadStore } from '../../shared/adapters/s3/upload-store';
import { SqsChunkQueue } from '../../shared/adapters/sqs/chunk-queue';
import { sqs } from '../../shared/adapters/sqs/client';
import { config } from '../../shared/config';
import { processUpload, type ProcessOutcome } from '../../shared/imports/import-service';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { decodeS3Key, s3Notification } from '../../shared/triggers/s3-notification';

const deps = {
  jobs: new DynamoDbImportJobStore(documentClient, config('importsTable')),
  // Reads and the rejects report use the bucket named in each event record.
  uploads: new S3UploadStore(s3, ''),
  queue: new SqsChunkQueue(sqs, config('importQueueUrl')),
};

// An event that is not an S3 notification fails (s3Notification), so it goes to the function's
// on-failure destination, where it can be looked at.
export const handler = s3Notification(async ({ Records }): Promise<ProcessOutcome[]> => {
  const outcomes: ProcessOutcome[] = [];
  for (const record of Records) {
    const object = {
      bucket: record.s3.bucket.name,
      key: decodeS3Key(record.s3.object.key),
      eTag: record.s3.object.eTag ?? record.s3.object.sequencer ?? '',
    };
    logger.appendKeys({ key: object.key });
    const outcome = await processUpload(deps, object);
    logger.info('Upload processed', { ...outcome });
    if (outcome.outcome === 'read') {
      metrics.addMetric('ImportRowsRead', MetricUnit.Count, outcome.rowsRead);
      metrics.addMetric('ImportRowsRejected', MetricUnit.Count, outcome.rowsRejected);
    } else if (outcome.outcome === 'failed') {
      metrics.addMetric('ImportFilesFailed', MetricUnit.Count, 1);
    }
    outcomes.push(outcome);
  }
  return outcomes;
});
