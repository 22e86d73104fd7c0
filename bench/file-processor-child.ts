/**
 * One measured run for bench/file-processor.ts, in a process of its own so that its peak RSS is
 * its own: `bare` streams the object to nowhere; `processor` runs the file processor's real code
 * (processUpload: S3 stream → CSV parse → validate → chunks → SendMessageBatch) with the job store
 * in memory. Three more show where the processor's time goes, each one stage more than the last:
 * `parse`, the processor's CSV reader alone, records to nowhere; `split`, splitCatalogFile (parse,
 * validate, chunk) with a sink that takes everything and sends nothing; `serialise`, the same
 * with each chunk made into its message body as the SQS sender makes it. `messages` is the floor for
 * any processor that sends these same messages: only the work each message needs (its JSON, the
 * request's JSON, SigV4's SHA-256 of it, the SDK's MD5 check), timed on chunks read beforehand,
 * as many times as the file has chunks. Bundled by esbuild first,
 * as the function is for Lambda. Prints one JSON line.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/adapters/s3/client';
import { S3UploadStore } from '../shared/adapters/s3/upload-store';
import { chunkMessageBody, SqsChunkQueue } from '../shared/adapters/sqs/chunk-queue';
import { sqs } from '../shared/adapters/sqs/client';
import { maxRecordBytes, splitCatalogFile } from '../shared/imports/catalog-file';
import { CsvScanner } from '../shared/imports/csv-scanner';
import type { ImportChunk } from '../shared/imports/import-chunk';
import type { ClaimResult, FileCounts, ImportJob, ImportJobStore } from '../shared/imports/import-job';
import { processUpload } from '../shared/imports/import-service';

const [mode, bucket, key, importId, queueUrl, chunkCount] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];

/** The job store in memory: the bench measures the file, not two DynamoDB calls. */
class MemoryJobStore implements ImportJobStore {
  job: ImportJob;
  constructor() {
    const now = new Date().toISOString();
    this.job = {
      importId,
      status: 'PENDING',
      fileName: key,
      uploadKey: key,
      createdBy: 'bench',
      createdAt: now,
      updatedAt: now,
    };
  }
  create = (): Promise<void> => Promise.resolve();
  get = (): Promise<ImportJob> => Promise.resolve(this.job);
  claimFile = (): Promise<ClaimResult> => Promise.resolve({ claimed: true });
  recordFileRead = (_: string, __: string, counts: FileCounts): Promise<ImportJob> => {
    this.job = { ...this.job, ...counts, status: 'LOADING' };
    return Promise.resolve(this.job);
  };
  recordLoadProgress = (): Promise<ImportJob> => Promise.resolve(this.job);
  recordChunkDeadLettered = (): Promise<ImportJob> => Promise.resolve(this.job);
  settle = (): Promise<void> => Promise.resolve();
  fail = (_: string, reason: string): Promise<void> => {
    this.job = { ...this.job, status: 'FAILED', failureReason: reason };
    return Promise.resolve();
  };
}

async function main() {
  const start = process.hrtime.bigint();
  let detail: Record<string, unknown>;
  const body = async () => {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Body as NodeJS.ReadableStream;
  };
  if (mode === 'bare') {
    let bytes = 0;
    await pipeline(
      await body(),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          callback();
        },
      }),
    );
    detail = { bytes };
  } else if (mode === 'parse') {
    let records = 0;
    await pipeline(
      await body(),
      new CsvScanner({
        maxRecordSize: maxRecordBytes,
        onRecord: () => {
          records++;
          return undefined;
        },
        onSkip: () => undefined,
      }),
      new Writable({
        objectMode: true,
        write(_nothing: unknown, _encoding, callback) {
          callback();
        },
      }),
    );
    detail = { records };
  } else if (mode === 'split' || mode === 'serialise') {
    let messageBytes = 0;
    detail = {
      ...(await splitCatalogFile(await body(), importId, {
        begin: () => undefined,
        chunk: (chunk) => {
          if (mode === 'serialise') messageBytes += Buffer.byteLength(chunkMessageBody(chunk));
          return Promise.resolve();
        },
        reject: () => Promise.resolve(),
      })),
      messageBytes,
    };
  } else if (mode === 'messages') {
    // The file's first chunks, read before the clock starts; the rest of the file is not read.
    const chunks: ImportChunk[] = [];
    const enough = new Error('enough chunks');
    await splitCatalogFile(await body(), importId, {
      begin: () => undefined,
      chunk: (chunk) => {
        chunks.push(chunk);
        return chunks.length < 10 ? Promise.resolve() : Promise.reject(enough);
      },
      reject: () => Promise.resolve(),
    }).catch((error: unknown) => {
      if (error !== enough) throw error;
    });
    const loopStart = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    let messageBytes = 0;
    for (let i = 0; i < Number(chunkCount); i++) {
      const chunk = chunks[i % chunks.length]!;
      const messageBody = chunkMessageBody(chunk);
      const request = Buffer.from(
        JSON.stringify({ QueueUrl: queueUrl, Entries: [{ Id: String(chunk.chunk), MessageBody: messageBody }] }),
      );
      createHash('sha256').update(request).digest('hex');
      createHash('md5').update(messageBody).digest('hex');
      messageBytes += request.length;
    }
    const cpu = process.cpuUsage(cpuStart);
    detail = {
      loopSeconds: Number(process.hrtime.bigint() - loopStart) / 1e9,
      loopCpuSeconds: (cpu.user + cpu.system) / 1e6,
      messageBytes,
    };
  } else {
    const jobs = new MemoryJobStore();
    const outcome = await processUpload(
      { jobs, uploads: new S3UploadStore(s3, bucket), queue: new SqsChunkQueue(sqs, queueUrl) },
      { bucket, key, eTag: 'bench' },
    );
    detail = { ...outcome };
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  const cpuSeconds = (userCPUTime + systemCPUTime) / 1e6;
  console.log(JSON.stringify({ seconds, cpuSeconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...detail }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
