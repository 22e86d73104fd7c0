/**
 * The stack's queues and their depths (the operations endpoint, shared/ops/). The queues are found
 * by the prefix every queue name of the stack starts with (`<service>-<stage>-`, serverless.yml's
 * custom.names; tests/template/operations.test.ts holds every queue to it), so a queue added to
 * infra/resources/ is counted with no list to keep in step.
 */
import { GetQueueAttributesCommand, ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueCounts, QueueMonitor } from '../../ops/operations-ports';

const attributeNames = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'RedrivePolicy',
] as const;

export class SqsQueueMonitor implements QueueMonitor {
  constructor(
    private readonly client: SQSClient,
    private readonly namePrefix: string,
  ) {}

  async queues(signal: AbortSignal): Promise<QueueCounts[]> {
    const urls: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListQueuesCommand({ QueueNamePrefix: this.namePrefix, MaxResults: 1000, NextToken }),
        { abortSignal: signal },
      );
      urls.push(...(page.QueueUrls ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return Promise.all(urls.map((url) => this.counts(url, signal)));
  }

  private async counts(url: string, signal: AbortSignal): Promise<QueueCounts> {
    const { Attributes: a = {} } = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...attributeNames] }),
      { abortSignal: signal },
    );
    const redrive = a.RedrivePolicy ? (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }) : {};
    return {
      name: url.split('/').at(-1)!,
      arn: a.QueueArn ?? '',
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      ...(redrive.deadLetterTargetArn ? { deadLetterTargetArn: redrive.deadLetterTargetArn } : {}),
    };
  }
}
