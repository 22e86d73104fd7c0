/**
 * How old each queue's oldest message is: SQS publishes ApproximateAgeOfOldestMessage to
 * CloudWatch (namespace AWS/SQS, one datapoint a minute while the queue is active); SQS's own API
 * has no such attribute. One GetMetricData call reads up to 500 queues' latest datapoints.
 * The local stack has no CloudWatch: there the source says so instead (QUEUE_AGE_METRICS=none).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { OldestMessageAges, QueueAgeSource } from '../../ops/operations-ports';

/** How far back a datapoint counts: an idle queue's metric may lag a few minutes. */
export const ageWindowMinutes = 15;
const queriesPerCall = 500;

export class CloudWatchQueueAges implements QueueAgeSource {
  constructor(private readonly client: CloudWatchClient) {}

  async oldestMessageAges(queueNames: string[], now: Date, signal: AbortSignal): Promise<OldestMessageAges> {
    const seconds = new Map<string, number | null>(queueNames.map((name) => [name, null]));
    for (let first = 0; first < queueNames.length; first += queriesPerCall) {
      const names = queueNames.slice(first, first + queriesPerCall);
      const queries: MetricDataQuery[] = names.map((name, i) => ({
        Id: `q${i}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: name }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
      }));
      let NextToken: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(now.getTime() - ageWindowMinutes * 60_000),
            EndTime: now,
            ScanBy: 'TimestampDescending',
            NextToken,
          }),
          { abortSignal: signal },
        );
        for (const result of page.MetricDataResults ?? []) {
          const name = names[Number(result.Id?.slice(1))];
          // Newest first: the first value is the latest minute's.
          const latest = result.Values?.[0];
          if (name !== undefined && latest !== undefined && seconds.get(name) === null) seconds.set(name, latest);
        }
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return {
      available: true,
      source: `CloudWatch AWS/SQS ApproximateAgeOfOldestMessage, latest minute within ${ageWindowMinutes} min`,
      seconds,
    };
  }
}

/** Where there is no CloudWatch to ask (the local stack). */
export const noQueueAgeMetrics = (reason: string): QueueAgeSource => ({
  oldestMessageAges: () => Promise.resolve({ available: false, reason }),
});
