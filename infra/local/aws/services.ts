/**
 * The AWS services of the local platform, one module each (infra/local/aws/<service>/service.ts).
 * Everything else is derived from this list: the ports and their variables (ports.ts), the
 * emulators started side by side, the functions' environment, .local/stack.json, and the
 * triggers (start-shelf.ts). Resources are created in this order, so a later service's resources
 * may name an earlier one's (a stream's table, a subscription's queue). Adding a service: its
 * module, and one line here (docs/architecture.md, "Adding a service").
 */
import { alb } from './alb/service';
import { cognito } from './cognito/service';
import { dynamodb } from './dynamodb/service';
import { rds } from './rds/service';
import { s3 } from './s3/service';
import { ses } from './ses/service';
import { sns } from './sns/service';
import { sqs } from './sqs/service';
import { eventbridgeService } from './eventbridge/service';
import { createFirehoseService, sdkKinesisRecordParts } from './firehose/service';
import { kinesisReader, kinesisService } from './kinesis/service';
import { logsService } from './logs/service';
import { stepFunctions } from './stepfunctions/service';

// Firehose reads a Kinesis source through the kinesis module's reader: the one place they meet.
const firehose = createFirehoseService({
  kinesisSource: (streamArn, { endpoints, region, credentials }) => ({
    reader: kinesisReader({ endpoint: endpoints.kinesis! }, region, credentials, streamArn),
    parts: sdkKinesisRecordParts,
  }),
});

export const services = [
  dynamodb,
  s3,
  sqs,
  sns,
  ses,
  rds,
  eventbridgeService,
  kinesisService,
  firehose,
  logsService,
  // The internal operations endpoint's load balancer (infra/resources/operations.yml).
  alb,
  // After the services its definitions may name; its executions start from EventBridge rules.
  stepFunctions,
  // The user pool's sign-up triggers; mails its codes through SES.
  cognito,
] as const;

export type ServiceName = (typeof services)[number]['name'];

// Each module's name must be a literal type (`LocalService<Started, 'kinesis'>`): the ports and
// endpoints are typed by the names. A module typed with a plain string fails here.
const _namesAreLiterals: string extends ServiceName ? false : true = true;
