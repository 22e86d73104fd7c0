/**
 * The AWS::SQS::Queue resources of serverless.yml created on local-aws-sqs: CreateQueue with their
 * attributes, all of them first without redrive (so every dead-letter queue exists), then their
 * RedrivePolicy.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { CfnResource } from '../../../service-config';
import type { LocalResource } from '../../local-resources';
import type { ResourceContext, StartedService } from '../local-service';

type Json = unknown;

const queueAttributeNames = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
];

export async function createQueues(
  declared: [logicalId: string, resource: CfnResource][],
  context: ResourceContext<StartedService & { endpoint: string }>,
): Promise<Map<string, LocalResource>> {
  const { config, intrinsics } = context;
  const sqs = new SQSClient({
    region: context.region,
    credentials: context.credentials,
    endpoint: context.started.endpoint,
  });
  const created = new Map<string, LocalResource>();
  try {
    for (const [id, resource] of declared) {
      const { RedrivePolicy: _later, ...unresolved } = resource.Properties ?? {};
      const p = intrinsics.resolve(unresolved) as Record<string, Json>;
      const name = (p.QueueName as string | undefined) ?? `${config.service}-${config.provider.stage}-${id}`;
      const Attributes = Object.fromEntries(
        queueAttributeNames.filter((k) => p[k] !== undefined).map((k) => [k, String(p[k])]),
      );
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
      const { Attributes: attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      created.set(id, { type: resource.Type, ref: QueueUrl!, arn: attributes!.QueueArn! });
    }
    // The dead-letter queues exist now: a RedrivePolicy names one of the queues created above.
    const withQueues = intrinsics.with(created);
    for (const [id, resource] of declared) {
      const redrive = resource.Properties?.RedrivePolicy;
      if (!redrive) continue;
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: created.get(id)!.ref,
          Attributes: { RedrivePolicy: JSON.stringify(withQueues.resolve(redrive)) },
        }),
      );
    }
  } finally {
    sqs.destroy();
  }
  return created;
}
