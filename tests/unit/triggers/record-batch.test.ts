// recordBatch with AWS's sample SQS event: each record's payload validated, failures reported alone
// (batchItemFailures), and the whole invocation failing when every record fails.
import type { SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { metrics } from '../../../shared/observability';
import { recordBatch, type BatchRecord } from '../../../shared/triggers/record-batch';
import sqsSample from '../../fixtures/events/sqs-event.json';
import { lambdaContext } from '../../helpers/http-events';

const payload = z.strictObject({ sku: z.string().min(1), stock: z.number().int() });

function sqsEvent(...bodies: { messageId: string; body: string }[]): SQSEvent {
  return {
    Records: bodies.map(({ messageId, body }) => ({ ...structuredClone(sqsSample.Records[0]!), messageId, body })),
  };
}

// Nothing to flush here: keep Powertools from warning about empty metrics.
jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

describe('recordBatch', () => {
  it('hands each valid record, payload parsed, to the handler in order, and reports no failures', async () => {
    const seen: { id: string; sku: string }[] = [];
    const handler = recordBatch(
      { source: 'SQS', payload, transformer: 'json' },
      (record: BatchRecord<'SQS', typeof payload>) => {
        seen.push({ id: record.messageId, sku: record.body.sku });
        return Promise.resolve();
      },
    );

    const response = await handler(
      sqsEvent(
        { messageId: 'm-1', body: '{"sku":"TEA-1","stock":3}' },
        { messageId: 'm-2', body: '{"sku":"TEA-2","stock":0}' },
      ),
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([
      { id: 'm-1', sku: 'TEA-1' },
      { id: 'm-2', sku: 'TEA-2' },
    ]);
  });

  it('reports an invalid record and one whose handler threw, and only those', async () => {
    const handler = recordBatch({ source: 'SQS', payload, transformer: 'json' }, (record) =>
      record.body.sku === 'BAD' ? Promise.reject(new Error('refused')) : Promise.resolve(),
    );

    const response = await handler(
      sqsEvent(
        { messageId: 'm-1', body: '{"sku":"TEA-1","stock":3}' },
        { messageId: 'm-2', body: '{"sku":"","stock":1}' },
        { messageId: 'm-3', body: '{"sku":"BAD","stock":1}' },
        { messageId: 'm-4', body: 'not json' },
      ),
      lambdaContext(),
    );

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }, { itemIdentifier: 'm-4' }],
    });
  });

  it('fails the invocation when every record fails, so the whole batch comes back', async () => {
    const handler = recordBatch({ source: 'SQS', payload, transformer: 'json' }, () =>
      Promise.reject(new Error('database down')),
    );

    await expect(
      handler(sqsEvent({ messageId: 'm-1', body: '{"sku":"TEA-1","stock":3}' }), lambdaContext()),
    ).rejects.toThrow(/All records failed processing/);
  });
});
