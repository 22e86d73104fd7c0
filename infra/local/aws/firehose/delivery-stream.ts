/**
 * One Firehose delivery stream to S3, as Firehose runs it
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html):
 *
 * 1. Records come in (PutRecord/PutRecordBatch, or read from a Kinesis stream) and are buffered
 *    for the transformation: up to the processor's BufferSizeInMBs (or the destination's size,
 *    if smaller) or its BufferIntervalInSeconds after the first record, whichever comes first.
 * 2. The transformation function is invoked synchronously with Firehose's event. Its answer must
 *    give every recordId back exactly once, with a result of Ok, Dropped or ProcessingFailed and
 *    base64 data; a failed invocation or an answer that breaks those rules is tried again
 *    NumberOfRetries times, then every record of the batch fails with the reason.
 * 3. Ok records' data is buffered for S3 (BufferingHints: SizeInMBs, measured before compression,
 *    or IntervalInSeconds) and written as one object, concatenated as returned and compressed as
 *    declared, under the evaluated Prefix; failed records as JSON lines (the original data in
 *    rawData, with errorCode, errorMessage, attemptsMade...) under the ErrorOutputPrefix.
 * 4. Only once the objects are written is the source told how far its records are delivered (the
 *    Kinesis checkpoint), so a stop at any point loses nothing: what was not written is read again.
 *
 * Time: every duration the stream is declared with is multiplied by `timing.scale` (by default
 * 1/60: a minute of AWS's lasts a second locally), so a 300-second buffer delivers in 5 seconds.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { effectivePrefixes, evaluatePrefix, objectKey, type PrefixPair } from './s3-prefixes';
import type { Invocation } from '../../lambda/invoke';

export interface ProcessorConfig {
  functionKey: string;
  /** What error records name (lambdaARN), qualified as Firehose writes it. */
  functionArn: string;
  bufferSizeBytes: number;
  bufferIntervalSeconds: number;
  numberOfRetries: number;
}

export interface DeliveryStreamConfig {
  name: string;
  arn: string;
  /** Set for a KinesisStreamAsSource delivery stream: its events then name the stream. */
  sourceStreamArn?: string;
  bucket: string;
  /** As declared; the defaults Firehose adds are applied by the engine. */
  prefix?: string;
  errorOutputPrefix?: string;
  compression: 'UNCOMPRESSED' | 'GZIP';
  buffering: { sizeBytes: number; intervalSeconds: number };
  processor?: ProcessorConfig;
}

export interface KinesisRecordMetadata {
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  subsequenceNumber: number;
  /** Epoch milliseconds. */
  approximateArrivalTimestamp: number;
}

export interface SourceRecord {
  data: Buffer;
  /** When the record reached Firehose (or the Kinesis stream), epoch milliseconds. */
  arrivedAt: number;
  kinesis?: KinesisRecordMetadata;
}

export type { Invocation };

export interface DeliveryTiming {
  /** Multiplies every declared duration (buffer intervals). 1 runs on AWS's own clock. */
  scale: number;
  /** Between two tries of a failed invocation or S3 write. */
  retryDelayMs: number;
}

export const defaultDeliveryTiming: DeliveryTiming = { scale: 1 / 60, retryDelayMs: 500 };

export interface DeliveryDependencies {
  region: string;
  invoke(functionKey: string, event: unknown): Promise<Invocation>;
  s3: S3Client;
  timing?: Partial<DeliveryTiming>;
  /**
   * Told, once the objects holding them are written (or nothing of them is to be written), up to
   * which sequence number each shard's records are delivered.
   */
  checkpoint?(positions: Record<string, string>): Promise<void> | void;
  log?: (line: string) => void;
  now?: () => number;
}

/** The event Firehose invokes a transformation function with. */
export interface FirehoseTransformationEvent {
  invocationId: string;
  deliveryStreamArn: string;
  sourceKinesisStreamArn?: string;
  region: string;
  records: {
    recordId: string;
    approximateArrivalTimestamp: number;
    data: string;
    kinesisRecordMetadata?: KinesisRecordMetadata;
  }[];
}

/** A failed record as Firehose writes it under the error output prefix, one JSON line each. */
export interface ErrorOutputRecord {
  rawData: string;
  errorCode: string;
  errorMessage: string;
  attemptsMade: number;
  arrivalTimestamp: number;
  attemptEndingTimestamp: number;
  /**
   * Firehose's documentation spells it lambdaArn; the objects it writes say lambdaARN, with the
   * `:$LATEST` qualifier. This follows the objects.
   */
  lambdaARN: string;
}

interface Failure {
  errorCode: string;
  errorMessage: string;
}

type Transformed =
  | { ok: true; results: { result: 'Ok' | 'Dropped' | 'ProcessingFailed'; data?: Buffer }[] }
  | { ok: false; failure: Failure };

interface Buffered extends SourceRecord {
  recordId: string;
}

const processingFailedStatus: Failure = {
  errorCode: 'Lambda.ProcessingFailedStatus',
  errorMessage: 'ProcessingFailed status set for record',
};

const invalidResponse = (errorMessage: string): Failure => ({
  errorCode: 'Lambda.JsonProcessingException',
  errorMessage,
});

/** Why an invocation failed, in Firehose's error codes. */
function invocationFailure(invocation: Invocation): Failure {
  const type = invocation.functionError ?? '';
  if (type === 'Unhandled' || type === 'Handled')
    return {
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
    };
  if (/ResourceNotFound/.test(type))
    return { errorCode: 'Lambda.ResourceNotFound', errorMessage: 'The specified Lambda function does not exist.' };
  if (/TooManyRequests/.test(type))
    return {
      errorCode: 'Lambda.InvokeLimitExceeded',
      errorMessage: 'The Lambda concurrent execution limit is exceeded.',
    };
  return { errorCode: 'Lambda.InvocationFailure', errorMessage: `The Lambda function could not be invoked (${type})` };
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The function's answer checked as Firehose checks it, results in the order of `recordIds`. */
export function checkTransformation(invocation: Invocation, recordIds: string[]): Transformed {
  if (invocation.functionError !== undefined || invocation.status !== 200)
    return { ok: false, failure: invocationFailure(invocation) };
  const records = (invocation.payload as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return { ok: false, failure: invalidResponse('The response has no records list.') };
  const expected = new Set(recordIds);
  const answered = new Map<string, { result: 'Ok' | 'Dropped' | 'ProcessingFailed'; data?: Buffer }>();
  for (const record of records as Record<string, unknown>[]) {
    const { recordId, result, data } = record ?? {};
    if (typeof recordId !== 'string' || !expected.has(recordId))
      return {
        ok: false,
        failure: invalidResponse(`The response has a record id that was not sent: ${String(recordId)}`),
      };
    if (answered.has(recordId))
      return {
        ok: false,
        failure: {
          errorCode: 'Lambda.DuplicatedRecordId',
          errorMessage: 'Multiple records were returned with the same record ID.',
        },
      };
    if (result !== 'Ok' && result !== 'Dropped' && result !== 'ProcessingFailed')
      return { ok: false, failure: invalidResponse(`Record ${recordId} has result ${JSON.stringify(result)}`) };
    if (result === 'Ok' && (typeof data !== 'string' || !base64.test(data)))
      return { ok: false, failure: invalidResponse(`Record ${recordId} has no base64 data`) };
    answered.set(recordId, { result, ...(result === 'Ok' ? { data: Buffer.from(data as string, 'base64') } : {}) });
  }
  if (answered.size !== expected.size)
    return {
      ok: false,
      failure: { errorCode: 'Lambda.MissingRecordId', errorMessage: 'One or more record IDs were not returned.' },
    };
  return { ok: true, results: recordIds.map((id) => answered.get(id)!) };
}

/** Record ids for records put directly: opaque, unique, shaped like Firehose's. */
let directPutCount = 0;
const directPutPrefix = `49${String(Date.now()).padStart(16, '0')}`;
export const directPutRecordId = () => `${directPutPrefix}${String(++directPutCount).padStart(38, '0')}000000`;

export class DeliveryStream {
  readonly prefixes: PrefixPair;
  private readonly timing: DeliveryTiming;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  private intake: Buffered[] = [];
  private intakeBytes = 0;
  private intakeTimer?: NodeJS.Timeout;

  private delivered: Buffer[] = [];
  private deliveredBytes = 0;
  private oldestDelivered?: number;
  private failed: ErrorOutputRecord[] = [];
  private oldestFailed?: number;
  /** Shard positions of the records in `delivered`/`failed`, checkpointed once they are written. */
  private pending: Record<string, string> = {};
  private outputTimer?: NodeJS.Timeout;

  private lane: Promise<void> = Promise.resolve();
  private queued = 0;
  private stopping = false;

  constructor(
    readonly config: DeliveryStreamConfig,
    private readonly deps: DeliveryDependencies,
  ) {
    this.prefixes = effectivePrefixes(config);
    this.timing = { ...defaultDeliveryTiming, ...deps.timing };
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? (() => undefined);
  }

  /** Takes records in; returns the record ids Firehose gives them. */
  put(records: SourceRecord[]): string[] {
    if (this.stopping) throw new Error(`Delivery stream ${this.config.name} is stopping`);
    const buffered = records.map((record) => ({ ...record, recordId: this.recordIdOf(record) }));
    if (!this.config.processor) {
      this.addOutput(
        buffered.map((record) => ({ record, data: record.data })),
        [],
        this.positionsOf(buffered),
      );
      return buffered.map((record) => record.recordId);
    }
    this.intake.push(...buffered);
    this.intakeBytes += buffered.reduce((sum, record) => sum + record.data.length, 0);
    if (this.intake.length > 0 && !this.intakeTimer)
      this.intakeTimer = setTimeout(() => {
        this.intakeTimer = undefined;
        this.enqueue(() => this.transformIntake(true));
      }, this.declaredMs(this.config.processor.bufferIntervalSeconds));
    if (this.intakeBytes >= this.processorBatchBytes()) this.enqueue(() => this.transformIntake(false));
    return buffered.map((record) => record.recordId);
  }

  /** True when nothing is buffered, being transformed or being written. */
  get idle(): boolean {
    return this.queued === 0 && this.intake.length === 0 && this.delivered.length === 0 && this.failed.length === 0;
  }

  /** Transforms and writes whatever is buffered now, without waiting for the buffers' intervals. */
  async flush(): Promise<void> {
    this.enqueue(() => this.transformIntake(true));
    this.enqueue(() => this.writeOutput());
    await this.lane;
  }

  /**
   * Takes nothing more, and delivers what it holds: once, with no retry of a failed S3 write (a
   * Kinesis source's records not written are read again at the next start, from the checkpoint).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.intakeTimer);
    clearTimeout(this.outputTimer);
    await this.flush();
  }

  private recordIdOf(record: SourceRecord): string {
    const kinesis = record.kinesis;
    // As Firehose builds them for a Kinesis source: the sequence number and the subsequence.
    return kinesis
      ? `${kinesis.sequenceNumber}${String(kinesis.subsequenceNumber).padStart(6, '0')}`
      : directPutRecordId();
  }

  private declaredMs(seconds: number): number {
    return Math.max(1, seconds * 1000 * this.timing.scale);
  }

  private processorBatchBytes(): number {
    return Math.min(this.config.processor!.bufferSizeBytes, this.config.buffering.sizeBytes);
  }

  private enqueue(step: () => Promise<void>): void {
    this.queued++;
    this.lane = this.lane
      .then(step)
      .catch((error: Error) => this.log(`Firehose ${this.config.name}: ${error.message}`))
      .finally(() => this.queued--);
  }

  private positionsOf(records: SourceRecord[]): Record<string, string> {
    const positions: Record<string, string> = {};
    for (const { kinesis } of records) if (kinesis) positions[kinesis.shardId] = kinesis.sequenceNumber;
    return positions;
  }

  /** One processor batch after another: all of the intake, or (`all` false) while a full batch is there. */
  private async transformIntake(all: boolean): Promise<void> {
    const limit = this.processorBatchBytes();
    while (this.intake.length > 0 && (all || this.intakeBytes >= limit)) {
      let bytes = 0;
      let count = 0;
      // At least one record, however large; then as many as fit.
      while (count < this.intake.length && (count === 0 || bytes + this.intake[count]!.data.length <= limit))
        bytes += this.intake[count++]!.data.length;
      const batch = this.intake.splice(0, count);
      this.intakeBytes -= bytes;
      await this.transform(batch);
    }
    if (this.intake.length === 0) {
      clearTimeout(this.intakeTimer);
      this.intakeTimer = undefined;
    }
  }

  private async transform(batch: Buffered[]): Promise<void> {
    const processor = this.config.processor!;
    const event: FirehoseTransformationEvent = {
      invocationId: randomUUID(),
      deliveryStreamArn: this.config.arn,
      ...(this.config.sourceStreamArn ? { sourceKinesisStreamArn: this.config.sourceStreamArn } : {}),
      region: this.deps.region,
      records: batch.map((record) => ({
        recordId: record.recordId,
        approximateArrivalTimestamp: record.arrivedAt,
        data: record.data.toString('base64'),
        ...(record.kinesis ? { kinesisRecordMetadata: record.kinesis } : {}),
      })),
    };
    const recordIds = batch.map((record) => record.recordId);
    const attempts = processor.numberOfRetries + 1;
    let outcome: Transformed = { ok: false, failure: invalidResponse('not invoked') };
    let attempt = 0;
    while (attempt < attempts) {
      attempt++;
      const invocation = await this.deps.invoke(processor.functionKey, event).catch((error: Error): Invocation => ({
        status: 0,
        functionError: 'InvokeFailed',
        payload: { errorMessage: error.message },
      }));
      outcome = checkTransformation(invocation, recordIds);
      if (outcome.ok) break;
      const what = `Firehose ${this.config.name} → ${processor.functionKey}: ${batch.length} records, ${outcome.failure.errorCode} (attempt ${attempt} of ${attempts})`;
      if (attempt < attempts) {
        this.log(`${what}; retrying`);
        await delay(this.timing.retryDelayMs);
      } else this.log(`${what}; the batch goes to the error output`);
    }
    const ending = this.now();
    const errorRecord = (record: Buffered, failure: Failure): ErrorOutputRecord => ({
      rawData: record.data.toString('base64'),
      ...failure,
      attemptsMade: attempt,
      arrivalTimestamp: record.arrivedAt,
      attemptEndingTimestamp: ending,
      lambdaARN: processor.functionArn,
    });
    const delivered: { record: Buffered; data: Buffer }[] = [];
    const failed: ErrorOutputRecord[] = [];
    batch.forEach((record, index) => {
      if (!outcome.ok) return void failed.push(errorRecord(record, outcome.failure));
      const { result, data } = outcome.results[index]!;
      if (result === 'Ok') delivered.push({ record, data: data! });
      else if (result === 'ProcessingFailed') failed.push(errorRecord(record, processingFailedStatus));
    });
    this.addOutput(delivered, failed, this.positionsOf(batch));
  }

  private addOutput(
    delivered: { record: SourceRecord; data: Buffer }[],
    failed: ErrorOutputRecord[],
    positions: Record<string, string>,
  ): void {
    const wasEmpty = this.delivered.length === 0 && this.failed.length === 0;
    for (const { record, data } of delivered) {
      this.delivered.push(data);
      this.deliveredBytes += data.length;
      this.oldestDelivered = Math.min(this.oldestDelivered ?? Infinity, record.arrivedAt);
    }
    this.failed.push(...failed);
    for (const { arrivalTimestamp } of failed)
      this.oldestFailed = Math.min(this.oldestFailed ?? Infinity, arrivalTimestamp);
    if (wasEmpty && this.delivered.length === 0 && this.failed.length === 0) {
      // Everything dropped, and nothing earlier waits to be written: delivered as far as it goes.
      if (Object.keys(positions).length > 0) this.enqueue(() => this.checkpoint(positions));
      return;
    }
    Object.assign(this.pending, positions);
    if (!this.outputTimer)
      this.outputTimer = setTimeout(() => {
        this.outputTimer = undefined;
        this.enqueue(() => this.writeOutput());
      }, this.declaredMs(this.config.buffering.intervalSeconds));
    if (this.deliveredBytes >= this.config.buffering.sizeBytes) this.enqueue(() => this.writeOutput());
  }

  private async checkpoint(positions: Record<string, string>): Promise<void> {
    await this.deps.checkpoint?.(positions);
  }

  /** Writes the S3 buffer and the error buffer as one object each, then checkpoints what they held. */
  private async writeOutput(): Promise<void> {
    clearTimeout(this.outputTimer);
    this.outputTimer = undefined;
    if (this.delivered.length === 0 && this.failed.length === 0) return;
    const delivered = this.delivered;
    const oldestDelivered = this.oldestDelivered;
    const failed = this.failed;
    const oldestFailed = this.oldestFailed;
    const positions = this.pending;
    this.delivered = [];
    this.deliveredBytes = 0;
    this.oldestDelivered = undefined;
    this.failed = [];
    this.oldestFailed = undefined;
    this.pending = {};
    if (delivered.length > 0)
      await this.putObject(
        evaluatePrefix(this.prefixes.prefix, { timestamp: new Date(oldestDelivered!) }),
        Buffer.concat(delivered),
        new Date(oldestDelivered!),
      );
    if (failed.length > 0)
      await this.putObject(
        evaluatePrefix(this.prefixes.errorOutputPrefix, {
          timestamp: new Date(oldestFailed ?? this.now()),
          errorOutputType: 'processing-failed',
        }),
        Buffer.from(failed.map((record) => `${JSON.stringify(record)}\n`).join(''), 'utf8'),
        new Date(oldestFailed ?? this.now()),
      );
    await this.checkpoint(positions);
  }

  /** Firehose retries a failed write to S3 for up to a day; locally until it works or the stream stops. */
  private async putObject(prefix: string, body: Buffer, timestamp: Date): Promise<void> {
    const { name, bucket, compression } = this.config;
    const key = objectKey({ evaluatedPrefix: prefix, streamName: name, timestamp, compression });
    const content = compression === 'GZIP' ? gzipSync(body) : body;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: content, ContentType: 'application/octet-stream' }),
        );
        this.log(`Firehose ${name} → s3://${bucket}/${key} (${body.length} bytes)`);
        return;
      } catch (error) {
        if (this.stopping) throw error;
        this.log(`Firehose ${name}: writing s3://${bucket}/${key} failed (${(error as Error).message}); retrying`);
        await delay(Math.min(30_000, this.timing.retryDelayMs * attempt));
      }
    }
  }
}
