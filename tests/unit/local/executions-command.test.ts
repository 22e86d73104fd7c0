// `npm run executions` (infra/local/executions.ts): one line per execution, then the states it went
// through with its retries and the errors that failed a state.
import { describeExecution } from '../../../infra/local/executions';

describe('describeExecution', () => {
  it('shows the path, the retries and the failed states', () => {
    const state = (name: string) => ({ state: { name } });
    const text = describeExecution({
      name: 'run-1',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:shelf-local-order-fulfilment',
      status: 'FAILED',
      error: 'OrderCancelled',
      startDate: '2026-12-03T08:00:00.000Z',
      history: [
        { type: 'ExecutionStarted' },
        { type: 'StateEntered', ...state('TakePayment') },
        { type: 'StateRetried', ...state('TakePayment'), retry: { attempt: 1 } },
        { type: 'StateExited', ...state('TakePayment') },
        { type: 'StateEntered', ...state('ShipOrder') },
        { type: 'StateFailed', ...state('ShipOrder'), Error: 'ShipmentRefused' },
        { type: 'StateEntered', ...state('RefundPayment') },
        { type: 'ExecutionFailed' },
      ],
    });

    expect(text).toBe(
      '2026-12-03T08:00:00.000Z  shelf-local-order-fulfilment  run-1  FAILED (OrderCancelled)\n' +
        '    TakePayment ↻1 → ShipOrder ✗ShipmentRefused → RefundPayment',
    );
  });
});
