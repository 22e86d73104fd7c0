/**
 * Each function's bundle built the way serverless-esbuild builds it for `serverless package`
 * (custom.esbuild in serverless.yml: the same options, the same plugins), but in-process and in
 * memory, with esbuild's metafile: for the bundle-size bench (bench/bundle-sizes.ts), the cold-start
 * bench and the bundle budget test (tests/template/bundle-budget.test.ts). Beside each, the "bare"
 * bundle: a handler that only creates the outbound clients the function's bundle holds and makes
 * one call with each, the floor a function's size is judged against.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { loadServiceConfig, repoRoot, type FunctionConfig, type ServiceConfig } from '../service-config';

/** custom.esbuild as serverless.yml writes it: esbuild's options plus serverless-esbuild's own. */
export type EsbuildSettings = BuildOptions & { exclude?: string[]; plugins?: string | Plugin[] } & Record<
    string,
    unknown
  >;

/** serverless-esbuild's own settings, which it removes before calling esbuild (its bundle.js). */
const pluginOnlySettings = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

/**
 * The esbuild options serverless-esbuild derives from custom.esbuild: its own settings dropped,
 * `exclude` made `external`, `plugins` (a file's path) loaded, and no source map, since what is
 * measured is the code Lambda loads.
 */
export function esbuildOptions(settings: EsbuildSettings): BuildOptions {
  const options: Record<string, unknown> = { ...settings };
  for (const name of pluginOnlySettings) delete options[name];
  let plugins: Plugin[] = [];
  if (typeof settings.plugins === 'string') {
    // The .cjs serverless.yml names only lets the framework load the TypeScript module beside it
    // (through tsx, which jest cannot run inside): that module is loaded here.
    const file = join(repoRoot, settings.plugins.replace(/\.cjs$/, '.ts'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(file) as { default: Plugin[] };
    plugins = loaded.default;
  } else if (Array.isArray(settings.plugins)) plugins = settings.plugins;
  return {
    ...(options as BuildOptions),
    external: [...(settings.external ?? []), ...(settings.exclude ?? [])],
    plugins,
    sourcemap: false,
  };
}

/** A function of serverless.yml and what its bundle needs. */
export interface FunctionEntry {
  name: string;
  /** The handler's source file, relative to the repository. */
  entry: string;
  config: FunctionConfig;
}

/** `services/catalog/get-product.handler` → `services/catalog/get-product.ts`. */
function entryOf(handler: string): string {
  const base = handler.slice(0, handler.lastIndexOf('.'));
  const found = ['.ts', '.js', '.mjs', '.cjs']
    .map((ext) => base + ext)
    .find((file) => existsSync(join(repoRoot, file)));
  if (!found) throw new Error(`No source file for handler ${handler}`);
  return found;
}

/** Every function of serverless.yml (through the framework, like `serverless package`) and its esbuild options. */
export async function loadFunctionBundling(
  stage = 'dev',
): Promise<{ functions: FunctionEntry[]; options: BuildOptions; config: ServiceConfig }> {
  const config = (await loadServiceConfig(stage)) as ServiceConfig & {
    custom?: { esbuild?: EsbuildSettings };
  };
  const functions = Object.entries(config.functions).map(([name, fn]) => ({
    name,
    entry: entryOf(fn.handler),
    config: fn,
  }));
  return { functions, options: esbuildOptions(config.custom?.esbuild ?? {}), config };
}

export interface Bundle {
  code: string;
  /** The source map, when the options ask for one. */
  map?: string;
  bytes: number;
  metafile: Metafile;
}

/** Builds one entry (a file, or `contents` standing for one in the repository's root). */
export async function bundle(options: BuildOptions, entry: string | { contents: string }): Promise<Bundle> {
  const result = await build({
    ...options,
    ...(typeof entry === 'string'
      ? { entryPoints: [join(repoRoot, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: repoRoot, loader: 'ts', sourcefile: 'bare.ts' } }),
    outdir: join(repoRoot, '.esbuild', 'measured'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (!output) throw new Error('esbuild wrote no .js file');
  const map = result.outputFiles.find((file) => file.path.endsWith('.js.map'))?.text;
  return { code: output.text, map, bytes: output.contents.byteLength, metafile: result.metafile };
}

/**
 * The outbound clients a bare handler holds, by the package that provides each: created once at
 * module scope like Shelf's own, and one call. The call needs no resource of the shop's (list one
 * table, one queue…): the code it brings is the client's runtime and one command's serializer, as
 * much as any other command's.
 */
export const bareClients: Record<string, { imports: string; create: string; call: string }> = {
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';",
    create: 'const dynamodb = new DynamoDBClient({});',
    call: 'await dynamodb.send(new ListTablesCommand({ Limit: 1 }));',
  },
  '@aws-sdk/lib-dynamodb': {
    imports:
      "import { DynamoDBClient as DocumentBase } from '@aws-sdk/client-dynamodb';\n" +
      "import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';",
    create: 'const documents = DynamoDBDocumentClient.from(new DocumentBase({}));',
    call: "await documents.send(new ScanCommand({ TableName: process.env.BARE_TABLE ?? 'bare', Limit: 1 }));",
  },
  '@aws-sdk/client-s3': {
    imports: "import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';",
    create: 'const s3 = new S3Client({});',
    call: 'await s3.send(new ListBucketsCommand({}));',
  },
  '@aws-sdk/s3-request-presigner': {
    imports:
      "import { S3Client as PresignS3, PutObjectCommand } from '@aws-sdk/client-s3';\n" +
      "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
    create: 'const presignS3 = new PresignS3({});',
    call: "await getSignedUrl(presignS3, new PutObjectCommand({ Bucket: 'bare', Key: 'bare' }));",
  },
  '@aws-sdk/lib-storage': {
    imports:
      "import { S3Client as UploadS3 } from '@aws-sdk/client-s3';\nimport { Upload } from '@aws-sdk/lib-storage';",
    create: 'const uploadS3 = new UploadS3({});',
    call: "await new Upload({ client: uploadS3, params: { Bucket: 'bare', Key: 'bare', Body: '' } }).done();",
  },
  '@aws-sdk/client-sqs': {
    imports: "import { SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';",
    create: 'const sqs = new SQSClient({});',
    call: 'await sqs.send(new ListQueuesCommand({ MaxResults: 1 }));',
  },
  '@aws-sdk/client-eventbridge': {
    imports: "import { EventBridgeClient, ListEventBusesCommand } from '@aws-sdk/client-eventbridge';",
    create: 'const eventBridge = new EventBridgeClient({});',
    call: 'await eventBridge.send(new ListEventBusesCommand({ Limit: 1 }));',
  },
  '@aws-sdk/client-kinesis': {
    imports: "import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';",
    create: 'const kinesis = new KinesisClient({});',
    call: 'await kinesis.send(new ListStreamsCommand({ Limit: 1 }));',
  },
  '@aws-sdk/client-secrets-manager': {
    imports: "import { SecretsManagerClient, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';",
    create: 'const secrets = new SecretsManagerClient({});',
    call: 'await secrets.send(new ListSecretsCommand({ MaxResults: 1 }));',
  },
  '@aws-sdk/client-sesv2': {
    imports: "import { SESv2Client, ListEmailTemplatesCommand } from '@aws-sdk/client-sesv2';",
    create: 'const sesv2 = new SESv2Client({});',
    call: 'await sesv2.send(new ListEmailTemplatesCommand({ PageSize: 1 }));',
  },
  '@aws-sdk/client-sns': {
    imports: "import { SNSClient, ListTopicsCommand } from '@aws-sdk/client-sns';",
    create: 'const sns = new SNSClient({});',
    call: 'await sns.send(new ListTopicsCommand({}));',
  },
  '@aws-sdk/client-lambda': {
    imports: "import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';",
    create: 'const lambda = new LambdaClient({});',
    call: 'await lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));',
  },
  '@aws-sdk/client-cloudwatch': {
    imports: "import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';",
    create: 'const cloudWatch = new CloudWatchClient({});',
    call: 'await cloudWatch.send(new ListMetricsCommand({}));',
  },
  '@aws-sdk/client-cognito-identity-provider': {
    imports:
      "import { CognitoIdentityProviderClient, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';",
    create: 'const cognito = new CognitoIdentityProviderClient({});',
    call: 'await cognito.send(new ListUserPoolsCommand({ MaxResults: 1 }));',
  },
  '@aws-sdk/client-rds': {
    imports: "import { RDSClient, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';",
    create: 'const rds = new RDSClient({});',
    call: 'await rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 20 }));',
  },
  // PostgreSQL's client is an outbound client like the SDK's, and as unavoidable.
  pg: {
    imports: "import { Pool } from 'pg';",
    create: 'const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });',
    call: "await pool.query('SELECT 1');",
  },
};

/** The client packages (keys of bareClients) whose code is in a bundle. */
export function clientsIn(metafile: Metafile): string[] {
  const inputs = Object.keys(metafile.inputs);
  return Object.keys(bareClients).filter((pkg) => inputs.some((input) => input.includes(`node_modules/${pkg}/`)));
}

/**
 * The bare handler's source: those clients created, and a call made with each of `calls` (all of
 * them unless told), nothing else.
 */
export function bareHandlerSource(clients: string[], calls: string[] = clients): string {
  const chosen = clients.map((pkg) => bareClients[pkg]!);
  return [
    ...chosen.map((client) => client.imports),
    ...chosen.map((client) => client.create),
    'export const handler = async () => {',
    ...calls.map((pkg) => `  ${bareClients[pkg]!.call}`),
    "  return { statusCode: 200, body: '{}' };",
    '};',
  ].join('\n');
}

/** Bytes of a bundle's output that each package (or `app` for the repository's own code) accounts for. */
export function bytesByPackage(metafile: Metafile): Map<string, number> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      const key = match ? match[1]! : 'app';
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  }
  return totals;
}
