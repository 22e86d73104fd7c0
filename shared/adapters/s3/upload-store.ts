/**
 * The uploads bucket (UploadsBucket, infra/resources/storage.yml): presigned PUT and GET URLs,
 * streaming reads of uploaded files, and the rejects report as a streamed multipart upload.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { stringify } from 'csv-stringify';
import type { RejectedRow } from '../../imports/catalog-file';
import type { RejectsReport, UploadStore } from '../../imports/import-ports';

export class S3UploadStore implements UploadStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  presignUpload(key: string, contentType: string, expiresInSeconds: number): Promise<string> {
    // Content-Type is signed (the presigner leaves it out unless told): the upload must send the
    // same one, so a .csv.gz cannot arrive as text/csv.
    return getSignedUrl(
      this.client,
      new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
      { expiresIn: expiresInSeconds, signableHeaders: new Set(['content-type']) },
    );
  }

  presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${key.split('/').at(-1)}"`,
      }),
      { expiresIn: expiresInSeconds },
    );
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
    const written = csv.write([
      String(rejected.row),
      String(rejected.line),
      rejected.reason,
      ...rejected.fields,
      ...padding,
    ]);
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
    csv.write(['row', 'line', 'reason', ...this.header]);
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
