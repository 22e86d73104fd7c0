/**
 * File processor on a generated 1 GiB CSV (BENCH_FILE_MB to change), served by s3rver: peak RSS
 * and throughput of the processor's real code beside a bare GetObject stream to nowhere, each in
 * a process of its own, in one run. SQS is a stand-in that accepts SendMessageBatch and counts
 * (the point is the processor, not a queue emulator).
 *
 * Every run gets the V8 flags Lambda's Node.js runtime sets for the function's memorySize. The
 * processor also reads a 64 MiB file, so that peak RSS can be compared across file sizes. Three
 * partial runs show where the CPU time goes (parse, validate and chunk, serialise; send is what
 * is left), and a last one times only the work the messages themselves need (the floor for any
 * processor that sends these same messages). CPU seconds matter more than this machine's wall time: on Lambda the function gets
 * memorySize / 1769 of a vCPU, so CPU time decides how long a file takes there and what it costs.
 *
 *   npm run bench -- file
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { build } from 'esbuild';
import { v7 as uuidv7 } from 'uuid';
import { repoRoot } from '../infra/service-config';
import { fmt, timed, writeSection } from './bench-support';
import { removeScratchDir, scratchDir } from './scratch-dir';

const fileBytes = Number(process.env.BENCH_FILE_MB ?? 1024) * 1024 * 1024;
/** The small file peak RSS is compared with: memory should not grow with the file. */
const smallFileBytes = Math.min(fileBytes, 64 * 1024 * 1024);
const s3Port = 4879;
const sqsPort = 9879;
const bucket = 'bench-uploads';

/** processUpload's memorySize, from services/imports/functions.yml. */
function processorMemoryMb(): number {
  const functions = readFileSync(join(repoRoot, 'services', 'imports', 'functions.yml'), 'utf8');
  const memory = /^processUpload:[\s\S]*?^ {2}memorySize: (\d+)/m.exec(functions);
  if (!memory) throw new Error('processUpload has no memorySize in services/imports/functions.yml');
  return Number(memory[1]);
}

/**
 * The V8 flags Lambda's Node.js runtime starts a function of this memory with (its bootstrap):
 * `--expose-gc`, and the heap limits: a tenth of the memory for the young generation, in two
 * semi-spaces, the rest for the old space.
 */
const lambdaNodeFlags = (memoryMb: number) => [
  '--expose-gc',
  `--max-semi-space-size=${Math.floor(memoryMb / 10 / 2)}`,
  `--max-old-space-size=${memoryMb - Math.floor(memoryMb / 10)}`,
];
/** One vCPU at this much memory; below it a function gets that share of one (Lambda's docs). */
const fullVcpuMb = 1769;
const lambdaLimitSeconds = 15 * 60;

/** Rows up to `fileBytes` and no further: the processor refuses a file above 1 GiB. */
async function generateCsv(path: string, fileBytes: number): Promise<number> {
  const out = createWriteStream(path);
  const header = 'sku,name,description,category,price,currency,stock\n';
  out.write(header);
  let written = header.length;
  let rows = 0;
  for (let full = false; !full;) {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++, rows++) {
      // Every 50th row breaks a rule, as real files do.
      const price = rows % 50 === 49 ? 'n/a' : `${(rows % 9999) + 1}.${String(rows % 100).padStart(2, '0')}`;
      const line = `SKU-${rows.toString(36).toUpperCase()},"Product ${rows}, assorted","A generated product, the ${rows}th",${['tea', 'coffee', 'mugs'][rows % 3]},${price},EUR,${rows % 1000}\n`;
      // ASCII: one byte a character.
      if (written + line.length > fileBytes) {
        full = true;
        break;
      }
      written += line.length;
      lines.push(line);
    }
    if (!out.write(lines.join(''))) await once(out, 'drain');
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
  cpuSeconds: number;
  maxRssBytes: number;
  bytes?: number;
  rowsRead?: number;
  rowsRejected?: number;
  chunks?: number;
  outcome?: string;
  messageBytes?: number;
  loopSeconds?: number;
  loopCpuSeconds?: number;
}

/** BENCH_CPU_PROF=<dir>: each child writes a V8 CPU profile there (`<mode>-….cpuprofile`). */
const profile = (mode: string) =>
  process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${mode}-${Date.now()}.cpuprofile`]
    : [];

/** Targets of issue 12, beside the measured values. */
const targets = { throughput: 0.5, rssGrowth: 0.1, rssShareOfMemory: 0.4 };

export async function benchFileProcessor(): Promise<string> {
  // The CSV and s3rver's copy of it: 2 GiB by default, removed however the run ends.
  const work = scratchDir('file');
  const { default: S3rver } = await import('s3rver');
  const s3rver = new S3rver({ port: s3Port, address: '127.0.0.1', directory: join(work, 's3'), silent: true });
  await s3rver.run();
  const standIn = await sqsStandIn();
  try {
    const csvPath = join(work, 'catalog.csv');
    const generated = await timed(() => generateCsv(csvPath, fileBytes));
    const size = statSync(csvPath).size;
    const smallPath = join(work, 'small.csv');
    await generateCsv(smallPath, smallFileBytes);
    const s3 = new S3Client({
      endpoint: `http://127.0.0.1:${s3Port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const importId = uuidv7();
    const key = `uploads/${importId}/catalog.csv`;
    const smallKey = `uploads/${importId}/small.csv`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(csvPath) } }).done();
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: smallKey, Body: createReadStream(smallPath) },
    }).done();

    const childDir = join(repoRoot, 'test-output', 'bench');
    mkdirSync(childDir, { recursive: true });
    const child = join(childDir, 'file-processor-child.js');
    await build({
      entryPoints: [join(repoRoot, 'bench', 'file-processor-child.ts')],
      bundle: true,
      // A profile names functions only in code that is not minified.
      minify: !process.env.BENCH_CPU_PROF,
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
    const run = async (mode: string, heapFlags: string[], objectKey = key, ...more: string[]): Promise<ChildResult> => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          ...heapFlags,
          ...profile(mode),
          child,
          mode,
          bucket,
          objectKey,
          importId,
          `http://127.0.0.1:${sqsPort}/000000000000/bench`,
          ...more,
        ],
        { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
    };

    const memoryMb = processorMemoryMb();
    const lambdaFlags = lambdaNodeFlags(memoryMb);
    const bare = await run('bare', lambdaFlags);
    const judged = await run('processor', lambdaFlags);
    if (judged.outcome !== 'read') throw new Error(`the processor did not read the file: ${JSON.stringify(judged)}`);
    const small = await run('processor', lambdaFlags, smallKey);
    // Where the processor's time goes: each run does one stage more than the one before.
    const parseOnly = await run('parse', lambdaFlags);
    const splitOnly = await run('split', lambdaFlags);
    const serialised = await run('serialise', lambdaFlags);
    const messagesRun = await run('messages', lambdaFlags, key, String(judged.chunks ?? 0));
    // Only the loop over the messages counts: the chunks were read before it.
    const messages = { ...messagesRun, seconds: messagesRun.loopSeconds!, cpuSeconds: messagesRun.loopCpuSeconds! };
    const mb = size / 1024 / 1024;
    const rate = (r: ChildResult) => mb / r.seconds;
    const perCpuSecond = (r: ChildResult) => mb / r.cpuSeconds;
    const vcpu = Math.min(1, memoryMb / fullVcpuMb);
    // CPU time for a 1 GiB file, stretched by the function's share of a vCPU.
    const lambdaMinutes = (r: ChildResult, memory: number) =>
      (1024 / perCpuSecond(r) / Math.min(1, memory / fullVcpuMb) / 60).toFixed(1);
    // GB-s for 1 GiB: memory × (CPU time ÷ its vCPU share); the same for any memory up to one
    // vCPU (more memory, proportionally more CPU), higher above it (a single thread uses one).
    const gbSecondsPerGib = (memory: number) =>
      (memory / 1024) * (1024 / perCpuSecond(judged) / Math.min(1, memory / fullVcpuMb));
    const neededMb = Math.ceil(((1024 / perCpuSecond(judged) / lambdaLimitSeconds) * fullVcpuMb) / 64) * 64;
    const ratio = bare.seconds / judged.seconds;
    const rssGrowth = judged.maxRssBytes / small.maxRssBytes - 1;
    const rssShare = judged.maxRssBytes / (memoryMb * 1024 * 1024);
    const met = (ok: boolean) => (ok ? 'met' : '**not met**');
    const row = (name: string, r: ChildResult, target = '') =>
      `| ${name} | ${fmt(r.seconds, 1)} | ${fmt(r.cpuSeconds, 1)} | ${fmt(rate(r), 1)} | ${fmt(r.maxRssBytes / 1e6)} | ${fmt(bare.seconds / r.seconds, 2)} | ${target} |`;
    const stage = (name: string, cpuSeconds: number) =>
      `| ${name} | ${fmt(cpuSeconds, 1)} | ${fmt((cpuSeconds / judged.cpuSeconds) * 100)} % |`;
    const smallMb = smallFileBytes / 1024 / 1024;
    const table = [
      `A generated CSV of ${fmt(mb)} MiB, ${fmt(generated.result)} rows (every 50th invalid), served by s3rver on this machine; Node ${process.version}; ${fmt(judged.chunks ?? 0)} chunks to SQS. Every run has the flags Lambda starts node with for the function's ${memoryMb} MB (\`${lambdaFlags.join(' ')}\`).`,
      '',
      '| run | seconds | CPU seconds | MiB/s | peak RSS (MB) | × bare | target |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      row('bare GetObject stream to nowhere', bare),
      row(
        'file processor (processUpload), judged',
        judged,
        `≥ ${targets.throughput} × bare: ${met(ratio >= targets.throughput)}; peak RSS ≤ ${fmt(targets.rssShareOfMemory * 100)} % of ${memoryMb} MB: ${fmt(rssShare * 100)} %, ${met(rssShare <= targets.rssShareOfMemory)}`,
      ),
      `| file processor on a ${fmt(smallMb)} MiB file | ${fmt(small.seconds, 1)} | ${fmt(small.cpuSeconds, 1)} | ${fmt(smallMb / small.seconds, 1)} | ${fmt(small.maxRssBytes / 1e6)} | ${fmt(bare.seconds / ((small.seconds * mb) / smallMb), 2)} | peak RSS of the ${fmt(mb)} MiB file within ${fmt(targets.rssGrowth * 100)} % of this: ${rssGrowth >= 0 ? '+' : ''}${fmt(rssGrowth * 100, 1)} %, ${met(rssGrowth <= targets.rssGrowth)} |`,
      row('parse only (the CSV scanner, records to nowhere)', parseOnly),
      row('parse, validate and chunk (splitCatalogFile), nothing serialised', splitOnly),
      row('parse, validate, chunk and serialise each message body, nothing sent', serialised),
      row(
        'the messages alone: as many as the file makes, each one JSON, request JSON, SHA-256, MD5 (no file, no network)',
        messages,
        `the floor for any processor sending these messages: ${bare.seconds / messages.seconds < targets.throughput ? `below ${targets.throughput} × bare by itself, so the target cannot be met without changing the messages` : `within the ${targets.throughput} × bare target`}`,
      ),
      '',
      `Where the processor's CPU time goes (differences of the runs above; the S3 read is the bare run's):`,
      '',
      '| stage | CPU seconds | share |',
      '| --- | ---: | ---: |',
      stage('read the S3 stream', bare.cpuSeconds),
      stage('parse', parseOnly.cpuSeconds - bare.cpuSeconds),
      stage('validate and chunk', splitOnly.cpuSeconds - parseOnly.cpuSeconds),
      stage(
        `serialise (${fmt((serialised.messageBytes ?? 0) / 1024 / 1024)} MiB of message bodies)`,
        serialised.cpuSeconds - splitOnly.cpuSeconds,
      ),
      stage(
        'send (SendMessageBatch through the SDK, the rejects report, the job)',
        judged.cpuSeconds - serialised.cpuSeconds,
      ),
      '',
      `Rows read ${fmt(judged.rowsRead ?? 0)}, rejected ${fmt(judged.rowsRejected ?? 0)}; SQS stand-in received ${fmt(standIn.messages())} messages (both processor runs).`,
      '',
      `On Lambda: ${fmt(perCpuSecond(judged), 1)} MiB per CPU second; at ${memoryMb} MB the function has ${fmt(vcpu, 2)} vCPU, so a 1 GiB file would take about ${lambdaMinutes(judged, memoryMb)} minutes (limit 15); it would fit from about ${fmt(neededMb)} MB of memory (CPU share). Cost per GiB read: ${fmt(gbSecondsPerGib(memoryMb))} GB-s at ${memoryMb} MB, the same at any memory up to ${fullVcpuMb} MB (CPU grows with memory), ${fmt(gbSecondsPerGib(3008))} GB-s at 3008 MB; the cheapest memory is therefore the smallest that holds peak RSS with room to spare and finishes in time.`,
    ].join('\n');
    writeSection('File processor (`npm run bench -- file`)', table);
    return table;
  } finally {
    standIn.server.close();
    await s3rver.close();
    removeScratchDir(work);
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
