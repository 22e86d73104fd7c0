// The catalog's change feed: DynamoDB Streams on the catalog read model (CatalogTable) → an audit
// entry per product created, changed or removed, and PriceChanged on the domain event bus
// (services/catalog/functions.yml, recordCatalogChange; shared/catalog/catalog-history.ts).
//
// Powertools' batch processor reports the records that failed (ReportBatchItemFailures); Lambda
// goes on from the first of them, bisecting on a failed invocation, a bounded number of times,
// then hands the batch's place in the stream to the on-failure queue and moves on. A SKU's records
// run one after another (different SKUs side by side), and once one fails, the later records of
// that SKU in the batch fail too without running: the retry starts at the failed one, so a
// product's changes are recorded, and its events published, in order. Recording is idempotent, so
// what the retry repeats is harmless.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbCatalogHistoryStore } from '../../shared/adapters/dynamodb/catalog-history-store';
import { catalogEntryFromItem } from '../../shared/adapters/dynamodb/catalog-read-model';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { eventBridge } from '../../shared/adapters/eventbridge/client';
import { EventBridgeDomainEventPublisher } from '../../shared/adapters/eventbridge/domain-event-publisher';
import { recordCatalogChange, type CatalogChange } from '../../shared/catalog/catalog-history';
import { config } from '../../shared/config';
import { logger, metrics, MetricUnit } from '../../shared/observability';
import { observedHandler } from '../../shared/triggers/observed-handler';
import { dynamoDbStreamRecordSchema } from '../../shared/triggers/schemas/dynamodb-stream';

const deps = {
  history: new DynamoDbCatalogHistoryStore(documentClient, config('catalogHistoryTable')),
  events: new EventBridgeDomainEventPublisher(eventBridge, config('domainEventBus')),
};

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** A stream record that is not a change of the catalog table (a wiring mistake, or a foreign item). */
class UnreadableChangeError extends Error {
  override readonly name = 'UnreadableChangeError';
}

/** An earlier record of the same SKU failed in this batch: this one waits for the retry, in order. */
class EarlierChangeFailedError extends Error {
  override readonly name = 'EarlierChangeFailedError';
}

/** The SKU a record is about, read from its keys (so a record with unreadable images still has one). */
function skuOf(record: DynamoDBRecord): string | undefined {
  const sku = record.dynamodb?.Keys?.sku?.S;
  return typeof sku === 'string' && sku !== '' ? sku : undefined;
}

/** The record as the domain's step of the read model: images unmarshalled and read as entries. */
function toChange(record: DynamoDBRecord, sku: string): CatalogChange {
  const parsed = dynamoDbStreamRecordSchema.safeParse(record);
  if (!parsed.success) throw new UnreadableChangeError(`Not a DynamoDB stream record: ${parsed.error.message}`);
  const { eventID, dynamodb } = parsed.data;
  const { ApproximateCreationDateTime: seconds, OldImage, NewImage } = dynamodb;
  try {
    return {
      sku,
      before: OldImage ? catalogEntryFromItem(OldImage) : undefined,
      after: NewImage ? catalogEntryFromItem(NewImage) : undefined,
      // Epoch seconds, as Lambda sends it.
      observedAt: new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString(),
      changeId: eventID,
    };
  } catch (error) {
    throw new UnreadableChangeError(error instanceof Error ? error.message : String(error));
  }
}

async function recordOne(record: DynamoDBRecord, sku: string | undefined): Promise<void> {
  const where = { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber, sku };
  try {
    if (!sku) throw new UnreadableChangeError('The record has no sku key: it is not a change of the catalog table');
    const { outcome, priceChanged } = await recordCatalogChange(deps, toChange(record, sku));
    logger.debug('Catalog change recorded', { ...where, outcome, priceChanged });
    if (outcome === 'recorded') metrics.addMetric('CatalogChangesRecorded', MetricUnit.Count, 1);
    if (outcome === 'repeated') metrics.addMetric('CatalogChangesRepeated', MetricUnit.Count, 1);
    // A tombstone written or expiring: a step of the read model that is no change of a product.
    if (outcome === 'none') metrics.addMetric('CatalogChangesWithoutEntry', MetricUnit.Count, 1);
    if (priceChanged) metrics.addMetric('PriceChangedPublished', MetricUnit.Count, 1);
  } catch (error) {
    // A record that can never be read fails every retry too; after them its batch's place in the
    // stream lands in CatalogChangeFailuresQueue, and this line says which record it was.
    logger.error('Catalog change not recorded; retried, then sent to the on-failure queue', { ...where, error });
    metrics.addMetric(
      error instanceof UnreadableChangeError ? 'CatalogChangesUnreadable' : 'CatalogChangesFailed',
      MetricUnit.Count,
      1,
    );
    throw error;
  }
}

/**
 * Starts recording the batch's records: those of one SKU one after another, in the stream's order,
 * different SKUs side by side. Once a record of a SKU fails, its later ones fail without running.
 * Returns each record's outcome, for the batch processor to report.
 */
function recordInOrderPerSku(records: DynamoDBRecord[]): Map<DynamoDBRecord, Promise<void>> {
  const outcomes = new Map<DynamoDBRecord, Promise<void>>();
  const lastOfSku = new Map<string, Promise<void>>();
  for (const record of records) {
    const sku = skuOf(record);
    const previous = sku === undefined ? undefined : lastOfSku.get(sku);
    const outcome = previous
      ? previous.then(
          () => recordOne(record, sku),
          () => Promise.reject(new EarlierChangeFailedError(`An earlier change of ${sku} failed in this batch`)),
        )
      : recordOne(record, sku);
    // Awaited by the batch processor below; this only keeps a failure from counting as unhandled first.
    outcome.catch(() => undefined);
    if (sku !== undefined) lastOfSku.set(sku, outcome);
    outcomes.set(record, outcome);
  }
  return outcomes;
}

export const handler = observedHandler((event: DynamoDBStreamEvent, context) => {
  const outcomes = recordInOrderPerSku(Array.isArray(event.Records) ? event.Records : []);
  return processPartialResponse(event, (record: DynamoDBRecord) => outcomes.get(record)!, processor, { context });
});
