/**
 * Alerts for operators, published to an SNS topic (ops-alerts, infra/resources/notifications.yml):
 * its e-mail subscribers get the subject and the text as they are.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertPublisher } from '../../ops/error-digest';

export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish({ subject, message }: Alert): Promise<void> {
    await this.client.send(new PublishCommand({ TopicArn: this.topicArn, Subject: subject, Message: message }));
  }
}
