/** The clickstream on Kinesis Data Streams (ClickstreamStream, infra/resources/clickstream.yml). */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { ClickstreamStream } from '../../clickstream/clickstream-ports';
import type { ClickstreamRecord } from '../../clickstream/clickstream-record';

export class KinesisClickstream implements ClickstreamStream {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  /**
   * One PutRecords call (up to 500 records, 5 MB). Kinesis answers 200 even when some records
   * fail: each failed entry has an ErrorCode (ProvisionedThroughputExceededException,
   * InternalFailure), in the order sent.
   */
  async put(records: ClickstreamRecord[]): Promise<number[]> {
    const { Records: results = [] } = await this.client.send(
      new PutRecordsCommand({
        StreamName: this.streamName,
        Records: records.map((record) => ({
          Data: Buffer.from(JSON.stringify(record)),
          // One session's events stay in order on one shard; the id is random, never personal data.
          PartitionKey: record.sessionId,
        })),
      }),
    );
    return records.flatMap((_, index) => (results[index]?.SequenceNumber && !results[index]?.ErrorCode ? [] : [index]));
  }
}
