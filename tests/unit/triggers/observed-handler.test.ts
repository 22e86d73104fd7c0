// The core every inbound wrapper is built on: whatever the handler does, the invocation's log
// context is set and cleared again, and its metrics are flushed.
import { logger, metrics } from '../../../shared/observability';
import { observedHandler } from '../../../shared/triggers/observed-handler';
import { lambdaContext } from '../../helpers/http-events';

const addContext = jest.spyOn(logger, 'addContext');
const resetKeys = jest.spyOn(logger, 'resetKeys');
const coldStart = jest.spyOn(metrics, 'captureColdStartMetric');
const publish = jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

beforeEach(() => jest.clearAllMocks());

describe('observedHandler', () => {
  it('runs the handler with the event and context, and returns its result', async () => {
    const context = lambdaContext();
    const handler = observedHandler((event: { n: number }) => Promise.resolve({ doubled: event.n * 2 }));

    await expect(handler({ n: 21 }, context)).resolves.toEqual({ doubled: 42 });

    expect(addContext).toHaveBeenCalledWith(context);
    expect(coldStart).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(resetKeys).toHaveBeenCalledTimes(1);
  });

  it('flushes the metrics and clears the log keys when the handler throws, and rethrows', async () => {
    const handler = observedHandler(() => {
      logger.appendKeys({ importId: 'imp-1' });
      return Promise.reject(new Error('database down'));
    });

    await expect(handler({}, lambdaContext())).rejects.toThrow('database down');

    expect(publish).toHaveBeenCalledTimes(1);
    expect(resetKeys).toHaveBeenCalledTimes(1);
    expect(logger.getPersistentLogAttributes()).not.toHaveProperty('importId');
  });
});
