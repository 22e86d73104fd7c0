// The clickstream's aggregator: Kinesis (ClickstreamStream) → views and add-to-carts per product
// per minute in DynamoDB, counted with Lambda's tumbling windows (services/clickstream/functions.yml,
// aggregateClickstream; shared/clickstream/clickstream-aggregation.ts). Each invocation gets the
// window's state so far and returns it with the batch counted; the final one writes the window.
import type { KinesisStreamStateResponse, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { DynamoDbClickstreamAggregates } from '../../shared/adapters/dynamodb/clickstream-aggregates';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { aggregateWindow, windowStateFrom } from '../../shared/clickstream/clickstream-aggregation';
import { config } from '../../shared/config';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { observedHandler } from '../../shared/triggers/observed-handler';
import { kinesisDataStreamEventFields, kinesisDataStreamRecordSchema } from '../../shared/triggers/schemas/kinesis';
import * as z from '../../shared/zod';

const aggregates = new DynamoDbClickstreamAggregates(documentClient, config('clickstreamAggregatesTable'));

// Powertools' schema (its zod/mini copy), with the data left base64 (decoded below, so a record that is not JSON is
// dropped and logged, not a parse error of the whole event), and the window required: without
// one the event source mapping has no tumbling window, a wiring mistake. A window's final
// invocation may have no records at all.
const tumblingWindowEvent = z.object({
  Records: z.array(kinesisDataStreamRecordSchema),
  ...kinesisDataStreamEventFields,
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  isFinalInvokeForWindow: z.boolean(),
});

export const handler = observedHandler(
  async (rawEvent: KinesisStreamTumblingWindowEvent): Promise<KinesisStreamStateResponse> => {
    const event = tumblingWindowEvent.parse(rawEvent);
    // Lambda names the shard in a tumbling-window event; each record's eventID starts with it too.
    const shardId = event.shardId ?? event.Records[0]?.eventID.split(':')[0];
    logger.appendKeys({ shardId, windowStart: event.window.start });
    const result = await aggregateWindow(aggregates, {
      window: event.window,
      shardId: shardId ?? '',
      state: windowStateFrom(event.state),
      records: event.Records.map((record) => ({
        sequenceNumber: record.kinesis.sequenceNumber,
        data: Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
      })),
      // A window Lambda ends early (its state passed 1 MB) goes on with a fresh state: what this
      // state holds is written now, under its own id, or it would be dropped.
      isFinal: event.isFinalInvokeForWindow || event.isWindowTerminatedEarly === true,
    });
    if (result.dropped.length > 0) {
      // Not retried (they would fail the same way), and not lost: the stream keeps them 24 hours,
      // and the data lake's Firehose delivery, reading the same stream, keeps the records its
      // transform cannot read under its error prefix. These sequence numbers find them.
      logger.warn('Records dropped: not clickstream records', { dropped: result.dropped });
      metrics.addMetric('ClickstreamRecordsDropped', MetricUnit.Count, result.dropped.length);
    }
    metrics.addMetric('ClickstreamRecordsCounted', MetricUnit.Count, event.Records.length - result.dropped.length);
    if (result.written) {
      logger.info('Window written', { ...result.written, windowEnd: event.window.end });
      metrics.addMetric('ClickstreamWindowWrites', MetricUnit.Count, result.written.writes);
      if (result.written.alreadyApplied > 0) {
        metrics.addMetric('ClickstreamWindowWritesReplayed', MetricUnit.Count, result.written.alreadyApplied);
      }
    }
    // Nothing here fails one record alone (a bad record is dropped, a failed write fails the whole
    // invocation, retried with the same state), so no item failures are reported.
    return { state: result.state, batchItemFailures: [] };
  },
);
