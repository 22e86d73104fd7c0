/**
 * How many executions of the stack's state machines failed since a time: Step Functions publishes
 * ExecutionsFailed to CloudWatch (namespace AWS/States, dimension StateMachineArn, a datapoint per
 * minute with failures). The same GetMetricData call and permission as the queue ages, through the
 * same interface endpoint, so the operations endpoint needs no Step Functions endpoint of its own.
 * https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 */
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { WorkflowFailures, WorkflowMonitor } from '../../ops/operations-ports';
import { noStateMachineDeclared } from '../../ops/workflow-failures';

export class CloudWatchWorkflowFailures implements WorkflowMonitor {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly stateMachineArns: readonly string[],
  ) {}

  async failuresSince(since: Date, signal: AbortSignal): Promise<WorkflowFailures> {
    if (this.stateMachineArns.length === 0) return noStateMachineDeclared.failuresSince(since, signal);
    const failed = new Map(this.stateMachineArns.map((arn) => [arn, 0]));
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: this.stateMachineArns.map((arn, i) => ({
            Id: `m${i}`,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/States',
                MetricName: 'ExecutionsFailed',
                Dimensions: [{ Name: 'StateMachineArn', Value: arn }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          })),
          StartTime: since,
          EndTime: new Date(),
          NextToken,
        }),
        { abortSignal: signal },
      );
      for (const result of page.MetricDataResults ?? []) {
        const arn = this.stateMachineArns[Number(result.Id?.slice(1))];
        if (arn === undefined) continue;
        failed.set(arn, (failed.get(arn) ?? 0) + (result.Values ?? []).reduce((sum, value) => sum + value, 0));
      }
      NextToken = page.NextToken;
    } while (NextToken);
    const stateMachines = [...failed].map(([arn, count]) => ({ arn, failed: count }));
    return {
      declared: true,
      failedInLastHour: stateMachines.reduce((sum, { failed: count }) => sum + count, 0),
      stateMachines,
    };
  }
}

/** Where there is no CloudWatch to ask (the local stack): the state machines, and why no count. */
export const noWorkflowMetrics = (stateMachineArns: readonly string[], reason: string): WorkflowMonitor => ({
  failuresSince: (since, signal) =>
    stateMachineArns.length === 0
      ? noStateMachineDeclared.failuresSince(since, signal)
      : Promise.resolve({ declared: true, failedInLastHour: null, reason }),
});
