// The import pipeline's domain over hand-written in-memory fakes of its ports (./fakes.ts).
import { gzipSync } from 'node:zlib';
import { v7 as uuidv7, validate as isUuid, version as uuidVersion } from 'uuid';
import { InvalidInputError, NotFoundError } from '../../../shared/errors';
import type { ImportJob } from '../../../shared/imports/import-job';
import { chunkLimits } from '../../../shared/imports/import-chunk';
import { describeBytes, maxCatalogFileBytes } from '../../../shared/imports/import-limits';
import {
  createImport,
  getImport,
  loadChunk,
  processUpload,
  recordChunkDeadLettered,
  rejectsUrlSeconds,
  uploadUrlSeconds,
} from '../../../shared/imports/import-service';
import { projectQueued } from '../../../shared/catalog/catalog-projection';
import { aProduct } from '../../fixtures/catalog';
import { FakeCatalogOutbox, FakeCatalogReadModel } from '../catalog/projection-fakes';
import { FakeChunkQueue, FakeJobStore, FakeLoader, FakeUploadStore, fixedNow } from './fakes';
import { aChunk, aRow, csvFile, csvHeader, csvLine } from './import-fixtures';

const bucket = 'shelf-test-uploads';

let jobs: FakeJobStore;
let uploads: FakeUploadStore;
let queue: FakeChunkQueue;
let outbox: FakeCatalogOutbox;
let loader: FakeLoader;
let catalog: FakeCatalogReadModel;

beforeEach(() => {
  jobs = new FakeJobStore();
  uploads = new FakeUploadStore();
  queue = new FakeChunkQueue();
  outbox = new FakeCatalogOutbox();
  loader = new FakeLoader(outbox);
  catalog = new FakeCatalogReadModel();
});

/** A job as createImport leaves it, waiting for its file. */
function pendingJob(fileName = 'catalog.csv', importId = uuidv7()): ImportJob {
  const job: ImportJob = {
    importId,
    status: 'PENDING',
    fileName,
    uploadKey: `uploads/${importId}/${fileName}`,
    createdBy: 'admin-1',
    createdAt: fixedNow.toISOString(),
    updatedAt: fixedNow.toISOString(),
  };
  jobs.jobs.set(importId, structuredClone(job));
  return job;
}

/** Puts the file where the job expects it and returns the S3 object, as the event names it. */
function uploaded(job: ImportJob, content: string | Buffer, eTag = 'etag-1') {
  uploads.put(bucket, job.uploadKey, content);
  return { bucket, key: job.uploadKey, eTag };
}

const process = (object: { bucket: string; key: string; eTag: string }) =>
  processUpload({ jobs, uploads, queue }, object);

async function invalidInput(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe('createImport', () => {
  const create = (fileName: string, contentType: string) =>
    createImport({ jobs, uploads, now: () => fixedNow }, 'admin-7', { fileName, contentType });

  it('records a PENDING job and returns a presigned POST for uploads/{importId}/{fileName}, capped in size', async () => {
    const created = await create('spring catalog.csv', 'text/csv');

    const key = `uploads/${created.importId}/spring catalog.csv`;
    expect(created).toEqual({
      importId: created.importId,
      upload: { url: 'https://uploads.example/', fields: { key, 'Content-Type': 'text/csv' } },
      expiresAt: '2026-11-28T10:15:00.000Z',
    });
    expect(uploads.presigned).toEqual([
      {
        method: 'POST',
        key,
        contentType: 'text/csv',
        maxBytes: maxCatalogFileBytes,
        expiresInSeconds: uploadUrlSeconds,
      },
    ]);
    expect(uploadUrlSeconds).toBe(900);
    expect(jobs.jobs.get(created.importId)).toEqual({
      importId: created.importId,
      status: 'PENDING',
      fileName: 'spring catalog.csv',
      uploadKey: key,
      createdBy: 'admin-7',
      createdAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-28T10:00:00.000Z',
    });
  });

  it('makes the importId a UUIDv7 carrying the creation time', async () => {
    const { importId } = await create('a.csv', 'text/csv');

    expect(isUuid(importId)).toBe(true);
    expect(uuidVersion(importId)).toBe(7);
    expect(parseInt(importId.replace(/-/g, '').slice(0, 12), 16)).toBe(fixedNow.getTime());
  });

  it('gives later imports larger ids', async () => {
    const first = await createImport({ jobs, uploads, now: () => new Date('2026-11-28T10:00:00Z') }, 'a', {
      fileName: 'a.csv',
      contentType: 'text/csv',
    });
    const second = await createImport({ jobs, uploads, now: () => new Date('2026-11-28T10:00:01Z') }, 'a', {
      fileName: 'a.csv',
      contentType: 'text/csv',
    });

    expect(second.importId > first.importId).toBe(true);
  });

  it.each([
    ['Catalog.CSV', 'text/csv', 'Catalog.csv'],
    ['Catalog.Csv.GZ', 'application/gzip', 'Catalog.csv.gz'],
    ['data.csv.gz', 'application/x-gzip', 'data.csv.gz'],
    ['data.csv', 'application/csv', 'data.csv'],
  ])('keys %s (%s) with a lower-case extension', async (fileName, contentType, keyName) => {
    const created = await create(fileName, contentType);

    const job = jobs.jobs.get(created.importId)!;
    expect(job.uploadKey).toBe(`uploads/${created.importId}/${keyName}`);
    expect(job.fileName).toBe(fileName);
  });

  it.each([
    ['a gzip type for a .csv', 'a.csv', 'application/gzip'],
    ['a CSV type for a .csv.gz', 'a.csv.gz', 'text/csv'],
    ['a JSON type', 'a.csv', 'application/json'],
  ])('refuses %s with InvalidInputError naming body.contentType, and records nothing', async (_, fileName, type) => {
    const error = await invalidInput(create(fileName, type));

    expect(error.details.map((d) => d.field)).toEqual(['body.contentType']);
    expect(jobs.jobs.size).toBe(0);
    expect(uploads.presigned).toEqual([]);
  });

  it('says which content types fit the file', async () => {
    const error = await invalidInput(create('a.csv.gz', 'text/csv'));

    expect(error.details[0]!.message).toContain('application/gzip or application/x-gzip');
  });

  it('refuses a file that is not .csv or .csv.gz (should the schema have let it through)', async () => {
    const error = await invalidInput(create('a.txt', 'text/csv'));

    expect(error.details.map((d) => d.field)).toEqual(['body.contentType']);
    expect(jobs.jobs.size).toBe(0);
  });
});

describe('getImport', () => {
  it('refuses an unknown import with NotFoundError', async () => {
    await expect(getImport({ jobs, uploads }, uuidv7())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reports the job without its internal keys, and without a rejects URL when there is no report', async () => {
    const job = pendingJob();
    jobs.jobs.get(job.importId)!.fileETag = 'etag';

    const report = await getImport({ jobs, uploads }, job.importId);

    expect(report).toEqual({
      importId: job.importId,
      status: 'PENDING',
      fileName: 'catalog.csv',
      createdBy: 'admin-1',
      createdAt: fixedNow.toISOString(),
      updatedAt: fixedNow.toISOString(),
    });
    expect(uploads.presigned).toEqual([]);
  });

  it('adds a short-lived download URL for the rejects report when there is one', async () => {
    const job = pendingJob();
    Object.assign(jobs.jobs.get(job.importId)!, {
      status: 'COMPLETED',
      rowsRead: 3,
      rowsRejected: 1,
      rowsLoaded: 2,
      chunksSent: 1,
      rejectsKey: `rejects/${job.importId}.csv`,
    });

    const report = await getImport({ jobs, uploads }, job.importId);

    expect(report).toMatchObject({ status: 'COMPLETED', rowsRead: 3, rowsRejected: 1, rowsLoaded: 2, chunksSent: 1 });
    expect(report.rejectsUrl).toBe(`https://uploads.example/rejects/${job.importId}.csv?get&expires=300`);
    expect(report).not.toHaveProperty('rejectsKey');
    expect(uploads.presigned).toEqual([
      { method: 'GET', key: `rejects/${job.importId}.csv`, expiresInSeconds: rejectsUrlSeconds },
    ]);
  });
});

describe('processUpload', () => {
  const validAndRejected = csvFile(csvLine('a-1'), csvLine('a-2', 'abc'), csvLine('a-3'), 'A-4,short');

  it.each([
    ['the rejects folder', (id: string) => `rejects/${id}.csv`],
    ['a key without an import id', () => 'uploads/catalog.csv'],
    ['a key whose id is not a uuid', () => 'uploads/not-an-import-id-at-all-not-an-import/catalog.csv'],
    ['another extension', (id: string) => `uploads/${id}/catalog.txt`],
    ['a nested key', (id: string) => `uploads/${id}/more/catalog.csv`],
  ])('ignores %s without touching the job', async (_, key) => {
    const job = pendingJob();

    const outcome = await process({ bucket, key: key(job.importId), eTag: 'e' });

    expect(outcome).toEqual({ outcome: 'ignored', reason: expect.stringContaining('is not an import upload') });
    expect(jobs.calls).toEqual([]);
    expect(uploads.reports).toEqual([]);
  });

  it('ignores an upload for an unknown import', async () => {
    const importId = uuidv7();

    const outcome = await process({ bucket, key: `uploads/${importId}/x.csv`, eTag: 'e' });

    expect(outcome).toEqual({ outcome: 'ignored', reason: `import ${importId}: unknown-import` });
    expect(queue.senders).toEqual([]);
  });

  it('ignores an import whose file has already been read, sending nothing again', async () => {
    const job = pendingJob();
    const object = uploaded(job, validAndRejected);
    await process(object);
    const sentBefore = queue.sent.length;

    const again = await process(object);

    expect(again).toEqual({ outcome: 'ignored', reason: `import ${job.importId}: already-processed` });
    expect(queue.sent).toHaveLength(sentBefore);
    expect(jobs.jobs.get(job.importId)!.status).toBe('LOADING');
  });

  it('ignores a second, different file uploaded to the same key while the first is read', async () => {
    const job = pendingJob();
    jobs.jobs.get(job.importId)!.fileETag = 'first-file';

    const outcome = await process(uploaded(job, validAndRejected, 'second-file'));

    expect(outcome).toEqual({ outcome: 'ignored', reason: `import ${job.importId}: another-file` });
    expect(queue.sent).toEqual([]);
  });

  it('sends the valid rows in chunks, reports the rejects, and moves the job to LOADING with its counts', async () => {
    const job = pendingJob();

    const outcome = await process(uploaded(job, validAndRejected));

    expect(outcome).toEqual({ outcome: 'read', importId: job.importId, rowsRead: 4, rowsRejected: 2, chunks: 1 });
    expect(queue.sent).toEqual([
      aChunk(1, [aRow(1, 'A-1', { name: 'Product a-1' }), aRow(3, 'A-3', { name: 'Product a-3' })], job.importId),
    ]);
    expect(queue.senders.map((s) => s.flushed)).toEqual([true]);
    const report = uploads.lastReport!;
    expect(report).toMatchObject({ bucket, key: `rejects/${job.importId}.csv`, state: 'finished' });
    expect(report.header).toEqual(csvHeader.split(','));
    expect(report.rows.map((r) => r.row).sort()).toEqual([2, 4]);
    expect(jobs.jobs.get(job.importId)).toEqual({
      ...job,
      status: 'LOADING',
      fileETag: 'etag-1',
      rowsRead: 4,
      rowsRejected: 2,
      chunksSent: 1,
      rejectsKey: `rejects/${job.importId}.csv`,
    });
  });

  it('records no rejectsKey when no row was rejected', async () => {
    const job = pendingJob();

    await process(uploaded(job, csvFile(csvLine('b-1'), csvLine('b-2'))));

    const stored = jobs.jobs.get(job.importId)!;
    expect(stored).toMatchObject({ status: 'LOADING', rowsRead: 2, rowsRejected: 0, chunksSent: 1 });
    expect(stored).not.toHaveProperty('rejectsKey');
  });

  it('reads a gzipped file the same as the plain one', async () => {
    const plain = pendingJob('plain.csv');
    const zipped = pendingJob('zipped.csv.gz');

    const plainOutcome = await process(uploaded(plain, validAndRejected));
    const zippedOutcome = await process(uploaded(zipped, gzipSync(validAndRejected)));

    expect(zippedOutcome).toEqual({ ...plainOutcome, importId: zipped.importId });
    const rows = (importId: string) => queue.sent.filter((c) => c.importId === importId).flatMap((c) => c.rows);
    expect(rows(zipped.importId)).toEqual(rows(plain.importId));
    expect(rows(zipped.importId)).toHaveLength(2);
    expect(jobs.jobs.get(zipped.importId)).toMatchObject({ status: 'LOADING', rowsRead: 4, rowsRejected: 2 });
  });

  it('sends a large file in numbered chunks within the default limits', async () => {
    const job = pendingJob();
    const lines = Array.from({ length: 4001 }, (_, i) => csvLine(`L-${i + 1}`));

    const outcome = await process(uploaded(job, csvFile(...lines)));

    expect(outcome).toMatchObject({ outcome: 'read', rowsRead: 4001, rowsRejected: 0, chunks: queue.sent.length });
    expect(queue.sent.length).toBeGreaterThanOrEqual(3);
    expect(queue.sent.map((c) => c.chunk)).toEqual(queue.sent.map((_, i) => i + 1));
    for (const chunk of queue.sent) {
      expect(chunk.rows.length).toBeLessThanOrEqual(chunkLimits.maxRows);
      expect(Buffer.byteLength(JSON.stringify(chunk.rows))).toBeLessThanOrEqual(chunkLimits.maxBytes);
    }
    expect(queue.sent.flatMap((c) => c.rows.map((r) => r.row))).toEqual(lines.map((_, i) => i + 1));
    expect(jobs.jobs.get(job.importId)).toMatchObject({ chunksSent: queue.sent.length, rowsRead: 4001 });
  });

  it.each([
    ['is not gzip at all', () => Buffer.from(validAndRejected)],
    [
      'is cut short',
      () => gzipSync(csvFile(...Array.from({ length: 200 }, (_, i) => csvLine(`G-${i}`)))).subarray(0, 300),
    ],
  ])('fails the job, without throwing, when a .csv.gz file %s', async (_, content) => {
    const job = pendingJob('broken.csv.gz');

    const outcome = await process(uploaded(job, content()));

    expect(outcome).toEqual({
      outcome: 'failed',
      importId: job.importId,
      reason: expect.stringMatching(/^The file is not valid gzip \(.+\)$/),
    });
    const { reason } = outcome as { reason: string };
    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'FAILED', failureReason: reason });
    expect(uploads.lastReport!.state).toBe('aborted');
  });

  it('fails the job when a required column is missing, naming it', async () => {
    const job = pendingJob();

    const outcome = await process(uploaded(job, 'sku,name,category,price,currency\nA,n,tea,1,EUR\n'));

    expect(outcome).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('lacks the column stock') });
    expect(jobs.jobs.get(job.importId)).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringContaining('lacks the column stock'),
    });
    expect(queue.sent).toEqual([]);
    expect(uploads.lastReport!.state).toBe('aborted');
  });

  it('fails the job at a row longer than 64 KiB, without a reject for every piece after it (a gzip bomb)', async () => {
    const job = pendingJob('bomb.csv.gz');
    // A header, then 8 MiB without a line break: about 8 KiB gzipped.
    const bomb = gzipSync(Buffer.concat([Buffer.from(`${csvHeader}\n`), Buffer.alloc(8 * 1024 * 1024, 'a')]));

    const outcome = await process(uploaded(job, bomb));

    expect(outcome).toEqual({
      outcome: 'failed',
      importId: job.importId,
      reason: expect.stringMatching(/^Row 1 is longer than 64 KiB .*not read past it$/),
    });
    expect(jobs.jobs.get(job.importId)).toMatchObject({
      status: 'FAILED',
      failureReason: (outcome as { reason: string }).reason,
    });
    expect(jobs.jobs.get(job.importId)).not.toHaveProperty('rowsRejected');
    expect(uploads.lastReport).toMatchObject({ state: 'aborted', rows: [] });
    expect(queue.sent).toEqual([]);
  });

  describe('the size limit', () => {
    const file = csvFile(...Array.from({ length: 50 }, (_, i) => csvLine(`S-${i + 1}`)));
    const size = Buffer.byteLength(file);
    const processWithin = (object: { bucket: string; key: string; eTag: string }, maxBytes: number) =>
      processUpload({ jobs, uploads, queue }, object, maxBytes);

    it('reads a file of exactly the limit', async () => {
      const outcome = await processWithin(uploaded(pendingJob(), file), size);

      expect(outcome).toMatchObject({ outcome: 'read', rowsRead: 50, rowsRejected: 0 });
    });

    it('fails a plain file one byte over the limit, naming the limit', async () => {
      const job = pendingJob();

      const outcome = await processWithin(uploaded(job, file), size - 1);

      expect(outcome).toEqual({
        outcome: 'failed',
        importId: job.importId,
        reason: `The file is larger than ${size - 1} bytes, the most an import reads; it was not read past that`,
      });
      expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'FAILED' });
      expect(uploads.lastReport!.state).toBe('aborted');
    });

    it('fails a .csv.gz that expands past the limit, counting the decompressed bytes, sending no row', async () => {
      const job = pendingJob('big.csv.gz');
      const zipped = gzipSync(file);
      expect(zipped.length).toBeLessThan(2 * 1024);

      const outcome = await processWithin(uploaded(job, zipped), 2 * 1024);

      expect(outcome).toMatchObject({
        outcome: 'failed',
        reason: 'The file is larger than 2 KiB once decompressed, the most an import reads; it was not read past that',
      });
      expect(jobs.jobs.get(job.importId)).toMatchObject({
        status: 'FAILED',
        failureReason: expect.stringContaining('2 KiB'),
      });
      expect(queue.sent).toEqual([]);
      expect(queue.senders[0]!.pending).toEqual([]);
    });

    it('is 1 GiB unless told otherwise', () => {
      expect(maxCatalogFileBytes).toBe(1024 ** 3);
      expect(describeBytes(maxCatalogFileBytes)).toBe('1 GiB');
    });
  });

  it('fails the job when the file is empty', async () => {
    const job = pendingJob();

    const outcome = await process(uploaded(job, ''));

    expect(outcome).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('empty') });
    expect(jobs.jobs.get(job.importId)!.status).toBe('FAILED');
  });

  it('rethrows a transient queue error, aborts the rejects report, and leaves the job claimable for a retry', async () => {
    const job = pendingJob();
    const lines = Array.from({ length: 4000 }, (_, i) => csvLine(`T-${i + 1}`, i === 5 ? 'bad' : '1'));
    const object = uploaded(job, csvFile(...lines));
    queue.failOnChunk = { chunk: 2, error: new Error('ServiceUnavailable') };

    await expect(process(object)).rejects.toThrow('ServiceUnavailable');

    expect(uploads.lastReport!.state).toBe('aborted');
    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'PENDING', fileETag: 'etag-1' });
    expect(jobs.calls).not.toContain(`fail ${job.importId}`);

    // Lambda retries the event: the same object is read again, into the same chunks.
    queue.failOnChunk = undefined;
    const outcome = await process(object);
    expect(outcome).toMatchObject({ outcome: 'read', rowsRead: 4000, rowsRejected: 1 });
    expect(queue.sent.map((c) => c.chunk)).toEqual([1, 2, 3]);
    expect(queue.sent.flatMap((c) => c.rows)).toHaveLength(3999);
    expect(jobs.jobs.get(job.importId)!.status).toBe('LOADING');
  });

  it('rethrows an error from the final flush of the queue', async () => {
    const job = pendingJob();
    queue.flushFailure = new Error('SQS refused 1 chunk(s)');

    await expect(process(uploaded(job, csvFile(csvLine('f-1'), csvLine('f-2', 'x'))))).rejects.toThrow('SQS refused');

    expect(uploads.lastReport!.state).toBe('aborted');
    expect(jobs.jobs.get(job.importId)!.status).toBe('PENDING');
  });

  it('rethrows when the file cannot be opened', async () => {
    const job = pendingJob();
    uploads.openFailure = new Error('AccessDenied');

    await expect(process({ bucket, key: job.uploadKey, eTag: 'e' })).rejects.toThrow('AccessDenied');
    expect(jobs.jobs.get(job.importId)!.status).toBe('PENDING');
  });

  it.each([
    ['every row is rejected', csvFile('x y,n,,tea,1,EUR,1', csvLine('z-1', 'abc')), 2, 2],
    ['the file has a header and no rows', `${csvHeader}\n`, 0, 0],
  ])('completes the job at once when %s', async (_, content, rowsRead, rowsRejected) => {
    const job = pendingJob();

    const outcome = await process(uploaded(job, content));

    expect(outcome).toMatchObject({ outcome: 'read', rowsRead, rowsRejected, chunks: 0 });
    expect(queue.sent).toEqual([]);
    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'COMPLETED', rowsRead, rowsRejected, chunksSent: 0 });
  });

  it('completes the job when its chunks were all loaded before the file processor recorded the counts', async () => {
    const job = pendingJob();
    const object = uploaded(job, csvFile(csvLine('r-1'), csvLine('r-2', 'x'), csvLine('r-3')));
    // The ETL worker is faster than the file processor's last write.
    const recordFileRead = jobs.recordFileRead.bind(jobs);
    jest.spyOn(jobs, 'recordFileRead').mockImplementation(async (id, eTag, counts) => {
      for (const chunk of queue.sent) await loadChunk({ loader, outbox, catalog, jobs }, chunk);
      return recordFileRead(id, eTag, counts);
    });

    await process(object);

    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'COMPLETED', rowsRead: 3, rowsLoaded: 2 });
  });
});

describe('loadChunk', () => {
  const deps = () => ({ loader, outbox, catalog, jobs });

  /** A job whose file has been read: `rowsRead` rows, `rowsRejected` of them rejected. */
  function loadingJob(rowsRead: number, rowsRejected: number): ImportJob {
    const job = pendingJob();
    Object.assign(jobs.jobs.get(job.importId)!, {
      status: 'LOADING',
      fileETag: 'e',
      rowsRead,
      rowsRejected,
      chunksSent: 2,
    });
    return job;
  }

  it('projects the products the chunk wrote, as PostgreSQL holds them, from the outbox', async () => {
    const job = loadingJob(10, 0);
    outbox.write(aProduct('OTHER-1', 3));

    await loadChunk(deps(), aChunk(1, [aRow(1, 'P-1'), aRow(2, 'P-2'), aRow(3, 'P-3')], job.importId));

    expect([...catalog.items.keys()].sort()).toEqual(['P-1', 'P-2', 'P-3']);
    expect(catalog.items.get('P-1')).toMatchObject({ sku: 'P-1', version: 1 });
    // Someone else's queued change is theirs (or projectCatalog's) to project.
    expect([...outbox.queued]).toEqual(['OTHER-1']);
    expect(jobs.jobs.get(job.importId)!.rowsLoaded).toBe(3);
  });

  it('records the rows loaded so far on the job, and leaves it LOADING while rows remain', async () => {
    const job = loadingJob(5, 1);

    const result = await loadChunk(deps(), aChunk(1, [aRow(1), aRow(2)], job.importId));

    expect(result).toEqual({ duplicate: false, refused: 0 });
    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'LOADING', rowsLoaded: 2, rowsRefused: 0 });
    expect(jobs.calls).toContain(`recordLoadProgress ${job.importId} 2+0`);
  });

  it('completes the job when loaded + rejected = read, in whatever order chunks arrive', async () => {
    const job = loadingJob(5, 1);

    await loadChunk(deps(), aChunk(2, [aRow(4), aRow(5)], job.importId));
    expect(jobs.jobs.get(job.importId)!.status).toBe('LOADING');
    await loadChunk(deps(), aChunk(1, [aRow(1), aRow(3)], job.importId));

    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'COMPLETED', rowsLoaded: 4, rowsRejected: 1 });
  });

  it('still loads and counts the chunk when DynamoDB fails to project it; projectCatalog catches up', async () => {
    const job = loadingJob(2, 0);
    catalog.failure = new Error('DynamoDB unreachable');

    await loadChunk(deps(), aChunk(1, [aRow(1, 'P-1'), aRow(2, 'P-2')], job.importId));

    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'COMPLETED', rowsLoaded: 2 });
    expect(catalog.items.size).toBe(0);
    catalog.failure = undefined;
    await projectQueued({ outbox, catalog });
    expect([...catalog.items.keys()].sort()).toEqual(['P-1', 'P-2']);
  });

  it('refuses a row that breaks a product rule alone (a NUL in its name), loads the rest, and counts it', async () => {
    const job = loadingJob(3, 0);
    const bad = { ...aRow(2, 'BAD-1'), name: 'Sen\u0000cha' };

    const result = await loadChunk(deps(), aChunk(1, [aRow(1, 'P-1'), bad, aRow(3, 'P-3')], job.importId));

    expect(result).toEqual({ duplicate: false, refused: 1 });
    expect(loader.calls[0]!.chunk.rows.map((r) => r.sku)).toEqual(['P-1', 'P-3']);
    expect([...catalog.items.keys()].sort()).toEqual(['P-1', 'P-3']);
    expect(jobs.jobs.get(job.importId)).toMatchObject({
      status: 'COMPLETED',
      rowsLoaded: 2,
      rowsRefused: 1,
      refusals: [{ row: 2, sku: 'BAD-1', reason: expect.stringMatching(/^name contains U\+0000 \(NUL\)/) }],
    });
  });

  it('refuses a row the database refuses alone, and still completes the job', async () => {
    const job = loadingJob(2, 0);
    loader.databaseRefuses.set('P-2', 'the database refused the row: it breaks products_name_check (SQLSTATE 23514)');

    await loadChunk(deps(), aChunk(1, [aRow(1, 'P-1'), aRow(2, 'P-2')], job.importId));

    expect([...catalog.items.keys()]).toEqual(['P-1']);
    expect(jobs.jobs.get(job.importId)).toMatchObject({
      status: 'COMPLETED',
      rowsLoaded: 1,
      rowsRefused: 1,
      refusals: [{ row: 2, sku: 'P-2', reason: expect.stringContaining('products_name_check') }],
    });
  });

  it('reports a redelivered chunk as a duplicate and does not count its rows twice', async () => {
    const job = loadingJob(4, 0);
    const chunk = aChunk(1, [aRow(1), aRow(2)], job.importId);
    await loadChunk(deps(), chunk);

    const again = await loadChunk(deps(), chunk);

    expect(again).toEqual({ duplicate: true, refused: 0 });
    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'LOADING', rowsLoaded: 2 });
  });

  it('does not complete a job whose file has not been read yet', async () => {
    const job = pendingJob();

    await loadChunk(deps(), aChunk(1, [aRow(1)], job.importId));

    expect(jobs.jobs.get(job.importId)).toMatchObject({ status: 'PENDING', rowsLoaded: 1 });
    expect(jobs.calls.filter((call) => call.startsWith('settle'))).toEqual([]);
  });

  it('loads a chunk of an unknown import without failing', async () => {
    const importId = uuidv7();

    await expect(loadChunk(deps(), aChunk(1, [aRow(1)], importId))).resolves.toEqual({ duplicate: false, refused: 0 });
    expect(catalog.items.size).toBe(1);
  });

  it('passes on a loader error, projecting and recording nothing', async () => {
    const job = loadingJob(1, 0);
    loader.failure = new Error('connection terminated');

    await expect(loadChunk(deps(), aChunk(1, [aRow(1)], job.importId))).rejects.toThrow('connection terminated');

    expect(catalog.items.size).toBe(0);
    expect(jobs.jobs.get(job.importId)).not.toHaveProperty('rowsLoaded');
  });
});

describe('a chunk the worker gives up on (its last try before the dead-letter queue)', () => {
  const deps = () => ({ loader, outbox, catalog, jobs });

  function loadingJob(rowsRead: number): ImportJob {
    const job = pendingJob();
    Object.assign(jobs.jobs.get(job.importId)!, { status: 'LOADING', fileETag: 'e', rowsRead, rowsRejected: 0 });
    return job;
  }

  it('ends the job PARTIALLY_LOADED once every other row is loaded, saying how many rows wait and how to redrive', async () => {
    const job = loadingJob(5);
    await loadChunk(deps(), aChunk(1, [aRow(1), aRow(2), aRow(3)], job.importId));

    await recordChunkDeadLettered(jobs, aChunk(2, [aRow(4), aRow(5)], job.importId));

    const ended = jobs.jobs.get(job.importId)!;
    expect(ended).toMatchObject({
      status: 'PARTIALLY_LOADED',
      rowsLoaded: 3,
      rowsDeadLettered: 2,
      deadLetteredChunks: [2],
    });
    expect(ended.failureReason).toMatch(/^2 rows in 1 chunk could not be loaded/);
    expect(ended.failureReason).toContain('npm run redrive');
  });

  it('leaves the job LOADING while other chunks are on their way, and counts a chunk reported twice once', async () => {
    const job = loadingJob(6);
    const failed = aChunk(2, [aRow(3), aRow(4)], job.importId);

    await recordChunkDeadLettered(jobs, failed);
    await recordChunkDeadLettered(jobs, failed);

    expect(jobs.jobs.get(job.importId)).toMatchObject({
      status: 'LOADING',
      rowsDeadLettered: 2,
      deadLetteredChunks: [2],
    });
  });

  it('carries the job on to COMPLETED when the redriven chunk loads', async () => {
    const job = loadingJob(4);
    const failed = aChunk(2, [aRow(3), aRow(4)], job.importId);
    await loadChunk(deps(), aChunk(1, [aRow(1), aRow(2)], job.importId));
    await recordChunkDeadLettered(jobs, failed);
    expect(jobs.jobs.get(job.importId)!.status).toBe('PARTIALLY_LOADED');

    await loadChunk(deps(), failed);

    const job2 = jobs.jobs.get(job.importId)!;
    expect(job2).toMatchObject({ status: 'COMPLETED', rowsLoaded: 4, rowsDeadLettered: 0 });
    expect(job2).not.toHaveProperty('failureReason');
    expect(job2).not.toHaveProperty('deadLetteredChunks');
  });
});

describe('the pipeline end to end, over the fakes', () => {
  it('takes a file from upload to a COMPLETED job with every valid row in the catalog', async () => {
    const created = await createImport({ jobs, uploads, now: () => fixedNow }, 'admin-1', {
      fileName: 'Catalog.CSV.GZ',
      contentType: 'application/gzip',
    });
    const job = jobs.jobs.get(created.importId)!;
    const lines = Array.from({ length: 1203 }, (_, i) => csvLine(`E-${i + 1}`, i % 100 === 0 ? 'x' : '2.5'));
    uploads.put(bucket, job.uploadKey, gzipSync(csvFile(...lines)));

    const outcome = await process({ bucket, key: job.uploadKey, eTag: 'etag' });
    for (const chunk of [...queue.sent].reverse()) await loadChunk({ loader, outbox, catalog, jobs }, chunk);

    expect(outcome).toMatchObject({ outcome: 'read', rowsRead: 1203, rowsRejected: 13 });
    const report = await getImport({ jobs, uploads }, created.importId);
    expect(report).toMatchObject({ status: 'COMPLETED', rowsRead: 1203, rowsRejected: 13, rowsLoaded: 1190 });
    expect(report.rejectsUrl).toContain(`rejects/${created.importId}.csv`);
    expect(catalog.items.size).toBe(1190);
    expect([...catalog.items.values()].every((p) => 'priceCents' in p && p.priceCents === 250)).toBe(true);
  });
});
