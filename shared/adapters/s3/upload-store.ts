/**
 * The uploads bucket (UploadsBucket, infra/resources/storage.yml): presigned POST uploads and GET
 * URLs, streaming reads of uploaded files, and the rejects report as a streamed multipart upload.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { presignedDownload } from './presigned-download';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { SignatureV4 } from '@smithy/signature-v4';
import { stringify } from 'csv-stringify';
import type { RejectedRow } from '../../imports/catalog-file';
import type { RejectsReport, UploadStore } from '../../imports/import-ports';
import type { PresignedUpload } from '../../imports/import-requests';
import { spreadsheetSafe } from '../../spreadsheet-cells';

/** `20261201T120000Z`: SigV4's time format. */
const amzDate = (date: Date) =>
  date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');

export class S3UploadStore implements UploadStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /**
   * A presigned POST, signed as @aws-sdk/s3-presigned-post signs one (with the SDK's own SigV4
   * signer over the base64 policy): S3 takes the form only for this key and Content-Type, and only
   * a file of at most `maxBytes`, which a presigned PUT cannot limit.
   */
  async presignUpload(
    key: string,
    contentType: string,
    maxBytes: number,
    expiresInSeconds: number,
  ): Promise<PresignedUpload> {
    const { config } = this.client;
    const [credentials, region] = await Promise.all([config.credentials(), config.region()]);
    const now = new Date(Date.now() + (config.systemClockOffset ?? 0));
    const signed = {
      bucket: this.bucket,
      key,
      'Content-Type': contentType,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${credentials.accessKeyId}/${amzDate(now).slice(0, 8)}/${region}/s3/aws4_request`,
      'X-Amz-Date': amzDate(now),
      // A function's credentials are temporary: their token is a field the policy names too.
      ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    };
    const policy = Buffer.from(
      JSON.stringify({
        expiration: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
        conditions: [
          ...Object.entries(signed).map(([field, value]) => ({ [field]: value })),
          ['content-length-range', 0, maxBytes],
        ],
      }),
    ).toString('base64');
    const signature = await new SignatureV4({ credentials, region, service: 's3', sha256: config.sha256 }).sign(
      policy,
      { signingDate: now },
    );
    // The bucket's URL as the client would address it (virtual-hosted, or path-style locally).
    const endpoint = await getEndpointFromInstructions({ Bucket: this.bucket, Key: key }, PutObjectCommand, config);
    return { url: endpoint.url.href, fields: { ...signed, Policy: policy, 'X-Amz-Signature': signature } };
  }

  presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    return presignedDownload(this.client, this.bucket, key, expiresInSeconds);
  }

  async open(bucket: string, key: string): Promise<NodeJS.ReadableStream> {
    const { Body } = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return Body as NodeJS.ReadableStream;
  }

  rejectsReport(bucket: string, key: string): RejectsReport {
    return new S3RejectsReport(this.client, bucket, key);
  }
}

/** Rows go through csv-stringify into a multipart upload; memory holds one part at most. */
class S3RejectsReport implements RejectsReport {
  private header: string[] = [];
  private csv?: ReturnType<typeof stringify>;
  private upload?: Upload;
  private body?: PassThrough;
  private done?: Promise<unknown>;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  begin(header: string[]): void {
    this.header = header;
  }

  async add(rejected: RejectedRow): Promise<void> {
    const csv = this.csv ?? this.start();
    // Short rows are padded to the header, so the report opens as a clean table.
    const padding = Array.from({ length: Math.max(0, this.header.length - rejected.fields.length) }, () => '');
    // The fields are the uploader's text, opened in a spreadsheet: none may run as a formula.
    const written = csv.write(
      [String(rejected.row), String(rejected.line), rejected.reason, ...rejected.fields, ...padding].map(
        spreadsheetSafe,
      ),
    );
    if (!written) await once(csv, 'drain');
  }

  async finish(): Promise<boolean> {
    if (!this.csv) return false;
    this.csv.end();
    await this.done;
    return true;
  }

  async abort(): Promise<void> {
    if (!this.upload) return;
    // lib-storage sends AbortMultipartUpload once its Body stream ends; ending it here makes sure
    // no parts are left behind in the bucket.
    await this.upload.abort().catch(() => undefined);
    this.csv?.unpipe();
    this.body?.end();
    await this.done?.catch(() => undefined);
  }

  private start() {
    const csv = stringify();
    csv.write(['row', 'line', 'reason', ...this.header].map(spreadsheetSafe));
    const body = new PassThrough();
    csv.pipe(body);
    this.body = body;
    this.upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key, Body: body, ContentType: 'text/csv; charset=utf-8' },
      // Parts of 5 MiB (S3's minimum), one at a time: a few MiB of memory whatever the file.
      queueSize: 1,
      partSize: 5 * 1024 * 1024,
    });
    this.done = this.upload.done();
    // Surfaces through finish(); without this an early failure would be an unhandled rejection.
    this.done.catch(() => undefined);
    this.csv = csv;
    return csv;
  }
}
