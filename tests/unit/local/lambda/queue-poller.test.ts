// The event source mapping's queue mode on its own, with a queue in memory: batches gathered up to
// the batch size within the batching window, concurrency kept to its maximum, and what the
// function answered settled as Lambda settles it (settleBatch).
import {
  settleBatch,
  startQueuePoller,
  type BatchSettlement,
  type QueueMapping,
  type QueueSource,
} from '../../../../infra/local/lambda/event-source-poller';
import type { Invocation } from '../../../../infra/local/lambda/invoke';

interface Message {
  id: string;
  body: string;
}

/** A queue in memory; `settled` records what the poller decided for each batch. */
class FakeQueue implements QueueSource<Message> {
  readonly label = 'SQS ImportQueue';
  readonly waiting: Message[] = [];
  readonly asked: number[] = [];
  readonly settled: { ids: string[]; settlement: BatchSettlement }[] = [];

  send(...ids: string[]) {
    this.waiting.push(...ids.map((id) => ({ id, body: `{"id":"${id}"}` })));
  }
  receive(max: number): Promise<Message[]> {
    this.asked.push(max);
    return Promise.resolve(this.waiting.splice(0, max));
  }
  id = (message: Message) => message.id;
  size = (message: Message) => message.body.length;
  toEvent = (messages: Message[]) => ({ Records: messages.map((m) => ({ messageId: m.id, body: m.body })) });
  settle(messages: Message[], settlement: BatchSettlement): Promise<string | undefined> {
    this.settled.push({ ids: messages.map((m) => m.id), settlement });
    return Promise.resolve(undefined);
  }
}

const mapping = (overrides: Partial<QueueMapping> = {}): QueueMapping => ({
  functionKey: 'loadImportChunk',
  batchSize: 10,
  maximumBatchingWindowSeconds: 0,
  reportBatchItemFailures: true,
  maximumConcurrency: 5,
  ...overrides,
});

const batchIds = (event: unknown) => (event as { Records: { messageId: string }[] }).Records.map((r) => r.messageId);

describe('queue poller', () => {
  it('invokes with a batch and settles it with what the function reported', async () => {
    const queue = new FakeQueue();
    queue.send('m-1', 'm-2', 'm-3');
    const lines: string[] = [];
    const invoke = jest.fn((_key: string, _event: unknown) =>
      Promise.resolve<Invocation>({ status: 200, payload: { batchItemFailures: [{ itemIdentifier: 'm-2' }] } }),
    );
    const poller = startQueuePoller({
      mapping: mapping(),
      source: queue,
      invoke,
      log: (l) => lines.push(l),
      timing: { pollIntervalMs: 5 },
    });

    await poller.idle();
    await poller.stop();

    expect(invoke).toHaveBeenCalledTimes(1);
    expect(batchIds(invoke.mock.calls[0]![1])).toEqual(['m-1', 'm-2', 'm-3']);
    expect(queue.settled).toEqual([
      { ids: ['m-1', 'm-2', 'm-3'], settlement: { delete: ['m-1', 'm-3'], failed: ['m-2'] } },
    ]);
    expect(lines).toEqual(['SQS ImportQueue → loadImportChunk: 3 records, 1 failed']);
  });

  it('gathers a batch over several receives within the batching window, up to batchSize', async () => {
    const queue = new FakeQueue();
    queue.send('m-1');
    const invoke = jest.fn((_key: string, _event: unknown) =>
      Promise.resolve<Invocation>({ status: 200, payload: null }),
    );
    const poller = startQueuePoller({
      mapping: mapping({ batchSize: 3, maximumBatchingWindowSeconds: 1 }),
      source: queue,
      invoke,
      timing: { pollIntervalMs: 5 },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    queue.send('m-2', 'm-3', 'm-4');

    await poller.idle();
    await poller.stop();

    expect(invoke.mock.calls.map(([, event]) => batchIds(event))).toEqual([['m-1', 'm-2', 'm-3'], ['m-4']]);
    expect(queue.asked[0]).toBe(3);
    expect(queue.asked).toContain(2);
  });

  it('keeps at most maximumConcurrency batches running, receiving nothing meanwhile', async () => {
    const queue = new FakeQueue();
    queue.send('m-1', 'm-2', 'm-3');
    let running = 0;
    let most = 0;
    const invoke = jest.fn(async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running -= 1;
      return { status: 200, payload: null };
    });
    const poller = startQueuePoller({
      mapping: mapping({ batchSize: 1, maximumConcurrency: 2 }),
      source: queue,
      invoke,
      timing: { pollIntervalMs: 5 },
    });

    await poller.idle();
    await poller.stop();

    expect(invoke).toHaveBeenCalledTimes(3);
    expect(most).toBe(2);
  });

  it('stops within its bound when an invocation hangs, settling nothing', async () => {
    const queue = new FakeQueue();
    queue.send('m-1');
    const lines: string[] = [];
    const invoke = jest.fn(
      (_key: string, _event: unknown, signal?: AbortSignal) =>
        new Promise<Invocation>((_, reject) => signal!.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const poller = startQueuePoller({
      mapping: mapping(),
      source: queue,
      invoke,
      log: (l) => lines.push(l),
      timing: { pollIntervalMs: 5, stopTimeoutMs: 100 },
    });
    while (!invoke.mock.calls.length) await new Promise((resolve) => setTimeout(resolve, 5));

    const started = Date.now();
    await poller.stop();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(queue.settled).toEqual([]);
    expect(lines).toEqual([]);
  });
});

describe('settling a batch', () => {
  const ids = ['m-1', 'm-2', 'm-3'];
  const ok = (payload: unknown): Invocation => ({ status: 200, payload });

  it('keeps every item when the function failed', () => {
    const failed = { status: 200, functionError: 'Unhandled', payload: { errorMessage: 'db down' } };

    expect(settleBatch(ids, failed, true)).toEqual({ delete: [], failed: ids, problem: 'function error: db down' });
    expect(settleBatch(ids, failed, false)).toEqual({ delete: [], failed: ids, problem: 'function error: db down' });
  });

  it('takes every item after a success without ReportBatchItemFailures, whatever the function returned', () => {
    expect(settleBatch(ids, ok({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }), false)).toEqual({
      delete: ids,
      failed: [],
    });
  });

  it('keeps only the reported items with ReportBatchItemFailures, in the batch order', () => {
    const response = { batchItemFailures: [{ itemIdentifier: 'm-3' }, { itemIdentifier: 'm-2' }] };

    expect(settleBatch(ids, ok(response), true)).toEqual({ delete: ['m-1'], failed: ['m-2', 'm-3'] });
  });

  it.each([null, '', {}, { batchItemFailures: [] }, { batchItemFailures: null }])(
    'treats %j as a complete success',
    (payload) => {
      expect(settleBatch(ids, ok(payload), true)).toEqual({ delete: ids, failed: [] });
    },
  );

  it.each([
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: 'm-9' }] }],
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a wrongly named key', { batchItemFailures: [{ itemId: 'm-1' }] }],
    ['a list that is not one', { batchItemFailures: { itemIdentifier: 'm-1' } }],
    ['a string', 'done'],
    ['a list', [{ itemIdentifier: 'm-1' }]],
  ])('fails the whole batch on a response with %s, as Lambda does', (_, payload) => {
    const settled = settleBatch(ids, ok(payload), true);

    expect(settled.delete).toEqual([]);
    expect(settled.failed).toEqual(ids);
    expect(settled.problem).toMatch(/invalid batch response/);
  });
});
