/**
 * File processor on a generated 1 GiB CSV (BENCH_FILE_MB to change), served by s3rver: peak RSS
 * and throughput of the processor's real code beside a bare GetObject stream to nowhere, each in
 * a process of its own, in one run. SQS is a stand-in that accepts SendMessageBatch and counts
 * (the point is the processor, not a queue emulator).
 *
 *   npm run bench -- file
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { build } from 'esbuild';
import { v7 as uuidv7 } from 'uuid';
import { repoRoot } from '../infra/local/service-config';
import { fmt, timed, writeSection } from './bench-support';

const fileBytes = Number(process.env.BENCH_FILE_MB ?? 1024) * 1024 * 1024;
const s3Port = 4879;
const sqsPort = 9879;
const bucket = 'bench-uploads';
// Lambda sizes Node's heap from the function's memory; these are what a 128 MB function gets.
const lambdaHeapFlags = ['--max-old-space-size=64', '--max-semi-space-size=2'];

async function generateCsv(path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write('sku,name,description,category,price,currency,stock\n');
  let written = 0;
  let rows = 0;
  while (written < fileBytes) {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++, rows++) {
      // Every 50th row breaks a rule, as real files do.
      const price = rows % 50 === 49 ? 'n/a' : `${(rows % 9999) + 1}.${String(rows % 100).padStart(2, '0')}`;
      lines.push(
        `SKU-${rows.toString(36).toUpperCase()},"Product ${rows}, assorted","A generated product, the ${rows}th",${['tea', 'coffee', 'mugs'][rows % 3]},${price},EUR,${rows % 1000}\n`,
      );
    }
    const block = lines.join('');
    written += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** Answers SendMessageBatch (JSON protocol) as SQS would, and counts what it was sent. */
function sqsStandIn(): Promise<{ server: Server; messages: () => number }> {
  let messages = 0;
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const { Entries = [] } = JSON.parse(Buffer.concat(parts).toString()) as {
        Entries?: { Id: string; MessageBody: string }[];
      };
      messages += Entries.length;
      response.setHeader('content-type', 'application/x-amz-json-1.0');
      response.end(
        JSON.stringify({
          Successful: Entries.map((e) => ({
            Id: e.Id,
            MessageId: uuidv7(),
            MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex'),
          })),
          Failed: [],
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(sqsPort, '127.0.0.1', () => resolve({ server, messages: () => messages })),
  );
}

interface ChildResult {
  seconds: number;
  maxRssBytes: number;
  bytes?: number;
  rowsRead?: number;
  rowsRejected?: number;
  chunks?: number;
  outcome?: string;
}

export async function benchFileProcessor(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'shelf-bench-file-'));
  const { default: S3rver } = await import('s3rver');
  const s3rver = new S3rver({ port: s3Port, address: '127.0.0.1', directory: join(work, 's3'), silent: true });
  await s3rver.run();
  const standIn = await sqsStandIn();
  try {
    const csvPath = join(work, 'catalog.csv');
    const generated = await timed(() => generateCsv(csvPath));
    const size = statSync(csvPath).size;
    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${s3Port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const importId = uuidv7();
    const key = `uploads/${importId}/catalog.csv`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(csvPath) } }).done();

    const childDir = join(repoRoot, 'test-output', 'bench');
    mkdirSync(childDir, { recursive: true });
    const child = join(childDir, 'file-processor-child.js');
    await build({
      entryPoints: [join(repoRoot, 'bench', 'file-processor-child.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node24',
      outfile: child,
      logLevel: 'error',
    });
    const env = {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Port}`,
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_DEV: 'true',
    };
    // Asynchronously: s3rver and the SQS stand-in run in this process and must keep serving.
    const run = async (mode: string): Promise<ChildResult> => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        // Heap capped as in a 128 MB function: a processor that held the file would run out here.
        [...lambdaHeapFlags, child, mode, bucket, key, importId, `http://127.0.0.1:${sqsPort}/000000000000/bench`],
        { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
    };

    const bare = await run('bare');
    const processor = await run('processor');
    if (processor.outcome !== 'read')
      throw new Error(`the processor did not read the file: ${JSON.stringify(processor)}`);
    const mb = size / 1024 / 1024;
    const rate = (r: ChildResult) => mb / r.seconds;
    const table = [
      `A generated CSV of ${fmt(mb)} MiB, ${fmt(generated.result)} rows (every 50th invalid), served by s3rver on this machine; Node ${process.version}.`,
      '',
      '| run | seconds | MiB/s | peak RSS (MB) | × bare |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| bare GetObject stream to nowhere | ${fmt(bare.seconds, 1)} | ${fmt(rate(bare), 1)} | ${fmt(bare.maxRssBytes / 1e6)} | 1.00 |`,
      `| file processor (parse, validate, ${fmt(processor.chunks ?? 0)} chunks to SQS) | ${fmt(processor.seconds, 1)} | ${fmt(rate(processor), 1)} | ${fmt(processor.maxRssBytes / 1e6)} | ${fmt(bare.seconds / processor.seconds, 2)} |`,
      '',
      `Rows read ${fmt(processor.rowsRead ?? 0)}, rejected ${fmt(processor.rowsRejected ?? 0)}; SQS stand-in received ${fmt(standIn.messages())} messages.`,
      'Targets: peak RSS ≤ 128 MB, throughput ≥ 0.5 × the bare stream.',
    ].join('\n');
    writeSection('File processor (`npm run bench -- file`)', table);
    return table;
  } finally {
    standIn.server.close();
    await s3rver.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchFileProcessor()
    .then((table) => console.log(table))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
