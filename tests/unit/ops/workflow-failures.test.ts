// The failed executions the health report counts: CloudWatch's AWS/States ExecutionsFailed, summed
// per state machine over the hour; no CloudWatch locally, and no state machine at all, said as such.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchWorkflowFailures, noWorkflowMetrics } from '../../../shared/adapters/cloudwatch/workflow-failures';

const cloudWatch = mockClient(CloudWatchClient);
const fulfilment = 'arn:aws:states:us-east-1:123456789012:stateMachine:shelf-test-order-fulfilment';
const other = 'arn:aws:states:us-east-1:123456789012:stateMachine:shelf-test-other';
const since = new Date('2026-12-03T07:00:00Z');
const signal = new AbortController().signal;

beforeEach(() => cloudWatch.reset());

describe('CloudWatchWorkflowFailures', () => {
  it('sums each state machine’s ExecutionsFailed since the time, over every page', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm0', Values: [1, 2] }], NextToken: 'page-2' })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'm0', Values: [1] },
          { Id: 'm1', Values: [] },
        ],
      });

    const failures = await new CloudWatchWorkflowFailures(new CloudWatchClient({}), [fulfilment, other]).failuresSince(
      since,
      signal,
    );

    expect(failures).toEqual({
      declared: true,
      failedInLastHour: 4,
      stateMachines: [
        { arn: fulfilment, failed: 4 },
        { arn: other, failed: 0 },
      ],
    });
    expect(cloudWatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cloudWatch).toHaveReceivedNthCommandWith(1, GetMetricDataCommand, {
      StartTime: since,
      MetricDataQueries: [
        {
          Id: 'm0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/States',
              MetricName: 'ExecutionsFailed',
              Dimensions: [{ Name: 'StateMachineArn', Value: fulfilment }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
        expect.objectContaining({ Id: 'm1' }),
      ],
    });
  });

  it('lets a CloudWatch failure through, for the report to show as unreadable', async () => {
    cloudWatch.on(GetMetricDataCommand).rejects(new Error('Rate exceeded'));

    await expect(
      new CloudWatchWorkflowFailures(new CloudWatchClient({}), [fulfilment]).failuresSince(since, signal),
    ).rejects.toThrow('Rate exceeded');
  });

  it('asks nothing of CloudWatch when the stack declares no state machine', async () => {
    const failures = await new CloudWatchWorkflowFailures(new CloudWatchClient({}), []).failuresSince(since, signal);

    expect(failures).toMatchObject({ declared: false, failedInLastHour: null });
    expect(cloudWatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });
});

describe('noWorkflowMetrics', () => {
  it('names the state machines as declared but uncounted, with the reason', async () => {
    await expect(noWorkflowMetrics([fulfilment], 'no CloudWatch here').failuresSince(since, signal)).resolves.toEqual({
      declared: true,
      failedInLastHour: null,
      reason: 'no CloudWatch here',
    });
    await expect(noWorkflowMetrics([], 'no CloudWatch here').failuresSince(since, signal)).resolves.toMatchObject({
      declared: false,
    });
  });
});
