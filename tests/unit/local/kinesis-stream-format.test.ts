// The local Kinesis event format against AWS's own sample (tests/fixtures/events/kinesis-event.json).
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { kinesisEventFormat, localInvokeIdentityArn } from '../../../infra/local/aws/kinesis/stream-format';
import kinesisSample from '../../fixtures/events/kinesis-event.json';

const [sample] = kinesisSample.Records;

/** The record GetRecords returned for the sample's first record. */
const sdkRecord: KinesisRecord = {
  SequenceNumber: sample!.kinesis.sequenceNumber,
  ApproximateArrivalTimestamp: new Date(sample!.kinesis.approximateArrivalTimestamp * 1000),
  Data: Buffer.from('Hello World'),
  PartitionKey: sample!.kinesis.partitionKey,
};

describe('kinesisEventFormat', () => {
  it("builds the sample's record, field for field and in its order, with a local role ARN", () => {
    const record = kinesisEventFormat.toLambdaRecord(sdkRecord, {
      streamArn: sample!.eventSourceARN,
      region: 'us-east-1',
      shardId: 'shardId-000000000000',
    });

    expect(record).toEqual({ ...sample, invokeIdentityArn: 'arn:aws:iam::123456789012:role/shelf-local-lambda' });
    expect(Object.keys(record as object)).toEqual(Object.keys(sample!));
    expect(Object.keys((record as typeof sample)!.kinesis)).toEqual(Object.keys(sample!.kinesis));
  });

  it('gives the arrival time in epoch seconds with the milliseconds, as Lambda does', () => {
    const record = kinesisEventFormat.toLambdaRecord(
      { ...sdkRecord, ApproximateArrivalTimestamp: new Date('2026-12-02T19:45:01.234Z') },
      { streamArn: sample!.eventSourceARN, region: 'eu-west-1', shardId: 'shardId-000000000003' },
    ) as typeof sample;

    expect(record!.kinesis.approximateArrivalTimestamp).toBe(1796240701.234);
    expect(record!.awsRegion).toBe('eu-west-1');
    expect(record!.eventID).toBe(`shardId-000000000003:${sample!.kinesis.sequenceNumber}`);
  });

  it('encodes binary data as base64 byte for byte', () => {
    const bytes = Uint8Array.from([0, 255, 128, 10, 13]);

    const record = kinesisEventFormat.toLambdaRecord(
      { ...sdkRecord, Data: bytes },
      { streamArn: sample!.eventSourceARN, region: 'us-east-1', shardId: 'shardId-000000000000' },
    ) as typeof sample;

    expect(Buffer.from(record!.kinesis.data, 'base64')).toEqual(Buffer.from(bytes));
  });

  it('names its batch info as the on-failure record of a Kinesis mapping does', () => {
    expect(kinesisEventFormat.eventSource).toBe('aws:kinesis');
    expect(kinesisEventFormat.batchInfoKey).toBe('KinesisBatchInfo');
    expect(localInvokeIdentityArn('arn:aws:kinesis:us-east-1:000000000000:stream/s')).toBe(
      'arn:aws:iam::000000000000:role/shelf-local-lambda',
    );
  });
});
