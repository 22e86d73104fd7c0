// The data lake's whole path on the local Firehose, in-process: records as POST /events puts them
// on the stream → the delivery stream as data-lake.yml declares it → the real stripPersonalData
// handler → the object written to S3.
import { gunzipSync } from 'node:zlib';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DeliveryStream, type Invocation } from '../../../../infra/local/aws/firehose/delivery-stream';
import { handler } from '../../../../services/clickstream/strip-personal-data';
import { lambdaContext } from '../../../helpers/http-events';
import { aClickstreamRecord, asBytes, testHashKey } from '../../clickstream/clickstream-fixtures';
import { dataLakeStream } from './firehose-fixtures';

const s3 = mockClient(S3Client);
mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: testHashKey });

const invokeInProcess = async (_key: string, event: unknown): Promise<Invocation> => {
  try {
    return { status: 200, payload: await handler(event, lambdaContext()) };
  } catch (error) {
    return { status: 200, functionError: 'Unhandled', payload: { errorMessage: (error as Error).message } };
  }
};

it('delivers shoppers’ events to the data lake without IP address, user agent or user id', async () => {
  s3.on(PutObjectCommand).resolves({});
  const stream = new DeliveryStream(dataLakeStream(), {
    region: 'us-east-1',
    s3: new S3Client({ region: 'us-east-1' }),
    invoke: invokeInProcess,
  });
  const shoppers = [aClickstreamRecord(), aClickstreamRecord({ sku: 'MUG-BLUE', type: 'add-to-cart' })];
  const robot = aClickstreamRecord({ userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0)' });
  const arrivedAt = Date.UTC(2026, 11, 2, 10, 15, 31);

  stream.put(
    [...shoppers, robot].map((record, index) => ({
      data: asBytes(record),
      arrivedAt,
      kinesis: {
        shardId: 'shardId-000000000000',
        partitionKey: record.sessionId,
        sequenceNumber: String(4960 + index),
        subsequenceNumber: 0,
        approximateArrivalTimestamp: arrivedAt,
      },
    })),
  );
  await stream.flush();

  const objects = s3.commandCalls(PutObjectCommand).map(({ args: [command] }) => command.input);
  expect(objects.map((object) => object.Key)).toEqual([
    expect.stringMatching(/^clickstream\/year=2026\/month=12\/day=02\/shelf-local-clickstream-to-data-lake-1-.*\.gz$/),
  ]);
  const text = gunzipSync(objects[0]!.Body as Buffer).toString('utf8');
  const events = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(events.map(({ type, sku }) => [type, sku])).toEqual([
    ['view', 'TEA-SENCHA'],
    ['add-to-cart', 'MUG-BLUE'],
  ]);
  for (const secret of [
    '"ip"',
    '"userAgent"',
    '"userId"',
    shoppers[0]!.ip,
    shoppers[0]!.userAgent,
    shoppers[0]!.userId!,
  ])
    expect(text).not.toContain(secret);
  expect(events.every((event) => /^[0-9a-f]{64}$/.test(event.userHash))).toBe(true);
});
