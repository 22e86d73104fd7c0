// The catalog's change feed: DynamoDB Streams on the catalog read model (CatalogTable) → an audit
// entry per product created, changed or removed, and PriceChanged on the domain event bus
// (services/catalog/functions.yml, recordCatalogChange; shared/catalog/catalog-history.ts).
//
// Powertools' batch processor reports the records that failed (ReportBatchItemFailures); Lambda
// goes on from the first of them, bisecting on a failed invocation, a bounded number of times,
// then hands the batch's place in the stream to the on-failure queue and moves on. Records run one
// after another, and once a record of a SKU fails, the later records of that SKU in the batch fail
// too without running: the retry starts at the failed one, so a product's changes are recorded, and
// its events published, in order. Recording is idempotent, so what the retry repeats is harmless.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbCatalogHistoryStore } from '../../shared/adapters/dynamodb/catalog-history-store';
import { catalogEntryFromItem } from '../../shared/adapters/dynamodb/catalog-read-model';
import { documentClient } from '../../shared/adapters/dynamodb/client';
import { eventBridge } from '../../shared/adapters/eventbridge/client';
import { EventBridgeDomainEventPublisher } from '../../shared/adapters/eventbridge/domain-event-publisher';
import { recordCatalogChange, type CatalogChange } from '../../shared/catalog/catalog-history';
import { config } from '../../shared/config';
import { logger, metrics, MetricUnit, observedHandler } from '../../shared/observability';

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
  const parsed = DynamoDBStreamRecord.safeParse(record);
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

async function recordOne(record: DynamoDBRecord, failedSkus: Set<string>): Promise<void> {
  const sku = skuOf(record);
  const where = { eventID: record.eventID, sequenceNumber: record.dynamodb?.SequenceNumber, sku };
  try {
    if (!sku) throw new UnreadableChangeError('The record has no sku key: it is not a change of the catalog table');
    if (failedSkus.has(sku)) throw new EarlierChangeFailedError(`An earlier change of ${sku} failed in this batch`);
    const { outcome, priceChanged } = await recordCatalogChange(deps, toChange(record, sku));
    logger.debug('Catalog change recorded', { ...where, outcome, priceChanged });
    if (outcome === 'recorded') metrics.addMetric('CatalogChangesRecorded', MetricUnit.Count, 1);
    if (outcome === 'repeated') metrics.addMetric('CatalogChangesRepeated', MetricUnit.Count, 1);
    // A tombstone written or expiring: a step of the read model that is no change of a product.
    if (outcome === 'none') metrics.addMetric('CatalogChangesWithoutEntry', MetricUnit.Count, 1);
    if (priceChanged) metrics.addMetric('PriceChangedPublished', MetricUnit.Count, 1);
  } catch (error) {
    if (sku) failedSkus.add(sku);
    if (!(error instanceof EarlierChangeFailedError)) {
      // A record that can never be read fails every retry too; after them its batch's place in the
      // stream lands in CatalogChangeFailuresQueue, and this line says which record it was.
      logger.error('Catalog change not recorded; retried, then sent to the on-failure queue', { ...where, error });
      metrics.addMetric(
        error instanceof UnreadableChangeError ? 'CatalogChangesUnreadable' : 'CatalogChangesFailed',
        MetricUnit.Count,
        1,
      );
    }
    throw error;
  }
}

export const handler = observedHandler((event: DynamoDBStreamEvent, context) => {
  const failedSkus = new Set<string>();
  return processPartialResponse(event, (record: DynamoDBRecord) => recordOne(record, failedSkus), processor, {
    context,
    // In the stream's order: a SKU's changes one after another (see above).
    processInParallel: false,
  });
});
