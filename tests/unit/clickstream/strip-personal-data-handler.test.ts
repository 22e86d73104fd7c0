import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../services/clickstream/strip-personal-data';
import { userHash } from '../../../shared/clickstream/strip-personal-data';
import firehoseSample from '../../fixtures/events/kinesis-firehose-event.json';
import responseSample from '../../fixtures/events/kinesis-firehose-response.json';
import { lambdaContext } from '../../helpers/http-events';
import { aClickstreamRecord, asBase64, testHashKey } from './clickstream-fixtures';

const secrets = mockClient(SecretsManagerClient);

/** AWS's sample event with our records' data in place of its "Hello World"s. */
function firehoseEvent(datas: string[]) {
  const sample = structuredClone(firehoseSample);
  const [template] = sample.records;
  return {
    ...sample,
    records: datas.map((data, index) => ({ ...template!, recordId: `record${index + 1}`, data })),
  };
}

const run = (event: unknown) => handler(event, lambdaContext());
const decoded = (data: string) => JSON.parse(Buffer.from(data, 'base64').toString('utf8'));

beforeAll(() => {
  // Read once per execution environment and cached (Powertools Parameters): every test below
  // runs in the same one.
  secrets.on(GetSecretValueCommand).resolves({ SecretString: testHashKey });
});

describe('stripPersonalData (Firehose transformation)', () => {
  it('answers ProcessingFailed for each record of AWS’s sample event, whose data is not a clickstream event', async () => {
    const response = await run(firehoseSample);

    expect(response).toEqual({
      records: firehoseSample.records.map(({ recordId, data }) => ({ recordId, result: 'ProcessingFailed', data })),
    });
  });

  it('answers in the shape of AWS’s sample response: recordId, result and base64 data on every record', async () => {
    const response = await run(firehoseEvent([asBase64(aClickstreamRecord())]));

    const sampleKeys = responseSample.records.map((record) => Object.keys(record).sort());
    const ours = response.records.map((record) => Object.keys(record).sort());
    // The sample's `metadata` is for dynamic partitioning, which this stream does not use. Its
    // results are the Java library's enum names; Firehose itself takes Ok, Dropped, ProcessingFailed.
    expect(ours).toEqual([sampleKeys[0]!.filter((key) => key !== 'metadata')]);
    expect(response.records[0]!.result).toBe('Ok');
    expect(response.records[0]!.data).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  });

  it('keeps shoppers’ events without personal data, drops robots, fails what is not an event: each recordId once, in order', async () => {
    const shopper = aClickstreamRecord();
    const robot = aClickstreamRecord({ userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1)' });
    const { userId: _userId, ...anonymous } = aClickstreamRecord({ sku: 'MUG-BLUE', type: 'add-to-cart' });
    const { sessionId: _sessionId, ...noSession } = aClickstreamRecord();
    const datas = [
      asBase64(shopper),
      asBase64(robot),
      'not base64 at all!',
      Buffer.from('{"type": "view",').toString('base64'),
      asBase64(noSession),
      asBase64(anonymous),
    ];

    const response = await run(firehoseEvent(datas));

    expect(response.records.map(({ recordId, result }) => [recordId, result])).toEqual([
      ['record1', 'Ok'],
      ['record2', 'Dropped'],
      ['record3', 'ProcessingFailed'],
      ['record4', 'ProcessingFailed'],
      ['record5', 'ProcessingFailed'],
      ['record6', 'Ok'],
    ]);
    expect(decoded(response.records[0]!.data)).toEqual({
      type: 'view',
      sku: 'TEA-SENCHA',
      sessionId: shopper.sessionId,
      occurredAt: shopper.occurredAt,
      receivedAt: shopper.receivedAt,
      userHash: userHash(shopper.userId!, testHashKey),
    });
    expect(decoded(response.records[5]!.data)).not.toHaveProperty('userHash');
    // What is not kept goes back as it came: Firehose writes failed records' original data.
    expect(response.records.slice(1, 5).map((record) => record.data)).toEqual(datas.slice(1, 5));
  });

  it('delivers newline-terminated JSON, so the objects Firehose concatenates are one event per line', async () => {
    const response = await run(firehoseEvent([asBase64(aClickstreamRecord()), asBase64(aClickstreamRecord())]));

    const object = response.records.map((record) => Buffer.from(record.data, 'base64').toString('utf8')).join('');
    expect(
      object
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).sku),
    ).toEqual(['TEA-SENCHA', 'TEA-SENCHA']);
  });

  it('fails a huge record alone, and keeps the rest of its batch', async () => {
    const huge = asBase64(aClickstreamRecord({ userAgent: 'x'.repeat(200_000) }));

    const response = await run(firehoseEvent([huge, asBase64(aClickstreamRecord())]));

    expect(response.records.map((record) => record.result)).toEqual(['ProcessingFailed', 'Ok']);
  });

  it('reads the hash key from its secret, once per execution environment', async () => {
    await run(firehoseEvent([asBase64(aClickstreamRecord())]));
    await run(firehoseEvent([asBase64(aClickstreamRecord())]));

    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: process.env.DATA_LAKE_HASH_KEY_SECRET_ARN,
    });
  });

  it('fails the invocation on an event that is not Firehose’s, so Firehose retries it and keeps the batch', async () => {
    await expect(run({ Records: [] })).rejects.toThrow();
  });
});
