// The clickstream's Kinesis adapter and client against the local emulator (kinesalite, started
// here on a free port): the records POST /events writes, read back as the aggregator gets them.
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startKinesis, type RunningKinesis } from '../../../infra/local/aws/kinesis/kinesis-emulator';
import { localKinesisClient } from '../../../infra/local/aws/kinesis/service';
import { KinesisClickstream } from '../../../shared/adapters/kinesis/clickstream-stream';
import { clickstreamRecordSchema } from '../../../shared/clickstream/clickstream-record';
import { clickRecord } from './clickstream-fixtures';

/**
 * The adapter's client module as a function loads it, with AWS_ENDPOINT_URL_KINESIS set to
 * `endpoint` (or unset). The SDK reads the variable when the client sends, so it stays set until
 * the test ends (restored in afterEach).
 */
function loadClient(endpoint: string | undefined): KinesisClient {
  if (endpoint === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
  else process.env.AWS_ENDPOINT_URL_KINESIS = endpoint;
  let client!: KinesisClient;
  jest.isolateModules(() => {
    ({ kinesis: client } = jest.requireActual<typeof import('../../../shared/adapters/kinesis/client')>(
      '../../../shared/adapters/kinesis/client',
    ));
  });
  clients.push(client);
  return client;
}

const savedEndpoint = process.env.AWS_ENDPOINT_URL_KINESIS;
afterEach(() => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
  else process.env.AWS_ENDPOINT_URL_KINESIS = savedEndpoint;
});

let emulator: RunningKinesis;
const clients: KinesisClient[] = [];

beforeAll(async () => {
  emulator = await startKinesis({ port: 0 });
});

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await emulator.stop();
});

describe('the Kinesis client', () => {
  it('speaks HTTP/1.1 when AWS_ENDPOINT_URL_KINESIS points it at a local emulator', () => {
    const local = loadClient(emulator.endpoint);
    const deployed = loadClient(undefined);

    // By name: the module was loaded afresh, with its own copy of the handler's class.
    expect(local.config.requestHandler.constructor.name).toBe(NodeHttpHandler.name);
    expect(deployed.config.requestHandler.constructor.name).toBe('NodeHttp2Handler');
  });
});

describe('KinesisClickstream', () => {
  it('puts one record per event, keyed by session id, that reads back as a clickstream record', async () => {
    const client = loadClient(emulator.endpoint);
    const reader = localKinesisClient(emulator.endpoint, 'us-east-1', { accessKeyId: 'a', secretAccessKey: 'b' });
    clients.push(reader);
    await reader.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 1 }));
    const deadline = Date.now() + 5000;
    while (
      (await reader.send(new DescribeStreamSummaryCommand({ StreamName: 'clicks' }))).StreamDescriptionSummary
        ?.StreamStatus !== 'ACTIVE'
    ) {
      if (Date.now() > deadline) throw new Error('The stream did not become ACTIVE');
    }
    const records = [clickRecord(), clickRecord({ type: 'add-to-cart', sku: 'TEA-2', sessionId: 'session-0002' })];

    const failed = await new KinesisClickstream(client, 'clicks').put(records);

    expect(failed).toEqual([]);
    const { ShardIterator } = await reader.send(
      new GetShardIteratorCommand({
        StreamName: 'clicks',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await reader.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records.map((r) => r.PartitionKey)).toEqual(['session-0001', 'session-0002']);
    expect(Records.map((r) => clickstreamRecordSchema.parse(JSON.parse(Buffer.from(r.Data!).toString())))).toEqual(
      records,
    );
  });
});
