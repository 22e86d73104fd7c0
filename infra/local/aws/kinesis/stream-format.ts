/**
 * A Kinesis record as Lambda puts it in `event.Records` (compare AWS's sample,
 * tests/fixtures/events/kinesis-event.json): the data base64, the arrival time in epoch seconds
 * with milliseconds, the event id `<shard id>:<sequence number>`.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { StreamEventFormat } from '../../lambda/stream-source';

/**
 * Lambda names the function's execution role here. Locally there are no roles: this is a role ARN
 * of the stream's (local) account, in the right shape.
 */
export const localInvokeIdentityArn = (streamArn: string) =>
  `arn:aws:iam::${streamArn.split(':')[4] ?? '000000000000'}:role/shelf-local-lambda`;

export const kinesisEventFormat: StreamEventFormat<KinesisRecord> = {
  eventSource: 'aws:kinesis',
  batchInfoKey: 'KinesisBatchInfo',
  toLambdaRecord(record, { streamArn, region, shardId }) {
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey!,
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: record.ApproximateArrivalTimestamp!.getTime() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${record.SequenceNumber!}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: localInvokeIdentityArn(streamArn),
      awsRegion: region,
      eventSourceARN: streamArn,
    };
  },
};
