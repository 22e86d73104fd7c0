// SES on the local platform (infra/local/aws/ses/): the module started on a free port, the real
// @aws-sdk/client-sesv2 sending through aws-ses-v2-local, and inbound mail posted to /inbound run
// through the receipt rules serverless.yml would declare (S3 mocked with aws-sdk-client-mock, a fake
// Invoke API for the functions).
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetEmailTemplateCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import type { RunningTriggers } from '../../../../infra/local/aws/local-service';
import { commonHeaders, parseMailHeaders } from '../../../../infra/local/aws/ses/mail-message';
import { declaredReceiptRules, recipientMatches } from '../../../../infra/local/aws/ses/receipt-rules';
import { ses, type StartedSes } from '../../../../infra/local/aws/ses/service';
import { Destinations } from '../../../../infra/local/lambda/destinations';
import type { Invocation } from '../../../../infra/local/lambda/invoke';
import { localIntrinsics, type LocalResource } from '../../../../infra/local/local-resources';
import type { CfnResource, ServiceConfig } from '../../../../infra/service-config';
import { Supervisor } from '../../../../infra/local/supervisor';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const s3 = mockClient(S3Client);

const restockRules: Record<string, CfnResource> = {
  InboundMailRuleSet: { Type: 'AWS::SES::ReceiptRuleSet', Properties: { RuleSetName: 'shelf-local-inbound' } },
  RestockMailRule: {
    Type: 'AWS::SES::ReceiptRule',
    Properties: {
      RuleSetName: { Ref: 'InboundMailRuleSet' },
      Rule: {
        Name: 'restock',
        Enabled: true,
        ScanEnabled: true,
        Recipients: ['restock@shop.example'],
        Actions: [
          { S3Action: { BucketName: { Ref: 'InboundMailBucket' }, ObjectKeyPrefix: 'restock/' } },
          {
            LambdaAction: {
              FunctionArn: { 'Fn::GetAtt': ['ReceiveRestockMailLambdaFunction', 'Arn'] },
              InvocationType: 'Event',
            },
          },
          { StopAction: { Scope: 'RuleSet' } },
        ],
      },
    },
  },
  CatchAllRule: {
    Type: 'AWS::SES::ReceiptRule',
    Properties: {
      RuleSetName: { Ref: 'InboundMailRuleSet' },
      After: 'restock',
      Rule: {
        Name: 'everything-else',
        Recipients: ['shop.example'],
        Actions: [{ S3Action: { BucketName: { Ref: 'InboundMailBucket' }, ObjectKeyPrefix: 'other/' } }],
      },
    },
  },
  OrderConfirmationTemplate: {
    Type: 'AWS::SES::Template',
    Properties: {
      Template: {
        TemplateName: 'shelf-local-order-confirmation',
        SubjectPart: 'Your order {{orderId}}',
        TextPart: 'Thank you, {{name}}.',
        HtmlPart: '<p>Thank you, {{name}}.</p>',
      },
    },
  },
};

const config: ServiceConfig = {
  service: 'shelf',
  provider: { region, stage: 'local' },
  functions: { receiveRestockMail: { handler: 'x.handler', name: 'shelf-local-receiveRestockMail' } },
  resources: { Resources: restockRules },
};

const bucket: [string, LocalResource] = [
  'InboundMailBucket',
  { type: 'AWS::S3::Bucket', ref: 'shelf-local-inbound-mail', arn: 'arn:aws:s3:::shelf-local-inbound-mail' },
];

const restockMail = [
  'Return-Path: <supplier@example.com>',
  'From: "Tea Supplier" <supplier@example.com>',
  'To: restock@shop.example',
  'Subject: Restock',
  '  for December',
  'Message-ID: <r-1@example.com>',
  '',
  'TEA-1 20',
  '',
].join('\r\n');

let supervisor: Supervisor;
let started: StartedSes;
let triggers: RunningTriggers;
const invoked: { functionKey: string; event: unknown }[] = [];

beforeAll(async () => {
  supervisor = new Supervisor();
  started = await ses.start!({
    port: 0,
    dataDir: '/nonexistent',
    supervisor,
    fail: (error) => {
      throw error;
    },
    log: () => undefined,
    webOrigins: [],
  });
  const intrinsics = localIntrinsics(config, new Map([bucket]));
  const created = await ses.createResources!(
    Object.entries(restockRules).filter(([, r]) => ses.resourceTypes!.includes(r.Type)),
    { config, region, started, intrinsics, credentials, webOrigins: [], endpoints: {} },
  );
  const resources = new Map([bucket, ...created]);
  triggers = await ses.startTriggers!({
    config,
    region,
    started,
    resources,
    intrinsics: localIntrinsics(config, resources),
    endpoints: { s3: 'http://127.0.0.1:1' },
    credentials,
    destinations: new Destinations(),
    functionOutput: () => () => undefined,
    dataDir: '/nonexistent',
    log: () => undefined,
    invoke: (functionKey, event): Promise<Invocation> => {
      invoked.push({ functionKey, event });
      return Promise.resolve({ status: 200, payload: null });
    },
  });
});

afterAll(async () => {
  await triggers.stop();
  await supervisor.stopAll();
});

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  invoked.length = 0;
});

it('creates a declared template that the process already holds by updating it (a second local stack, as in npm run bench)', async () => {
  const declare = (text: string): [string, CfnResource][] => [
    [
      'OrderConfirmationTemplate',
      {
        Type: 'AWS::SES::Template',
        Properties: { Template: { TemplateName: 'shelf-test-twice', SubjectPart: 'Your order', TextPart: text } },
      },
    ],
  ];
  const create = (text: string) =>
    ses.createResources!(declare(text), {
      config,
      region,
      started,
      intrinsics: localIntrinsics(config, new Map()),
      credentials,
      webOrigins: [],
      endpoints: {},
    });
  await create('first');
  const again = await create('second');
  expect(again.get('OrderConfirmationTemplate')).toEqual({ type: 'AWS::SES::Template', ref: 'shelf-test-twice' });
  const client = new SESv2Client({ endpoint: started.endpoint, region, credentials });
  const stored = await client.send(new GetEmailTemplateCommand({ TemplateName: 'shelf-test-twice' }));
  client.destroy();
  expect(stored.TemplateContent?.Text).toBe('second');
});

const post = (body: string, query = '') =>
  fetch(`${started.endpoint}/inbound${query}`, { method: 'POST', body }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  }));

describe('local SES, sending', () => {
  it('sends templated mail through the SDK and shows it in the mailbox', async () => {
    const client = new SESv2Client({ endpoint: started.endpoint, region, credentials });
    try {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: 'shop@shop.example',
          Destination: { ToAddresses: ['ada@example.com'] },
          Content: {
            Template: {
              TemplateName: 'shelf-local-order-confirmation',
              TemplateData: JSON.stringify({ orderId: 'o-1', name: 'Ada' }),
            },
          },
        }),
      );
    } finally {
      client.destroy();
    }
    const store = (await (await fetch(`${started.endpoint}/store`)).json()) as {
      emails: { subject: string; body: { text?: string; html?: string }; destination: { to: string[] } }[];
    };
    expect(store.emails.at(-1)).toMatchObject({
      subject: 'Your order o-1',
      body: { text: 'Thank you, Ada.', html: '<p>Thank you, Ada.</p>' },
      destination: { to: ['ada@example.com'] },
    });
    expect(started.stackInfo).toEqual({ mailbox: `${started.endpoint}/` });
  });
});

describe('local SES, receiving', () => {
  it("stores the raw message, invokes the rule's function with SES's event, and stops the rule set", async () => {
    const { status, body } = await post(restockMail);

    expect(status).toBe(200);
    const messageId = body.messageId as string;
    expect(messageId).toMatch(/^[a-z0-9]{40}$/);
    expect(body.rules).toEqual([
      {
        name: 'restock',
        recipients: ['restock@shop.example'],
        actions: [`S3 s3://shelf-local-inbound-mail/restock/${messageId}`, 'Lambda receiveRestockMail (Event)', 'Stop'],
      },
    ]);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'shelf-local-inbound-mail', Key: `restock/${messageId}` });
    expect(Buffer.from(put.Body as Buffer).toString()).toBe(restockMail);
    await triggers.idle();
    expect(invoked).toHaveLength(1);
    expect(invoked[0]).toMatchObject({
      functionKey: 'receiveRestockMail',
      event: {
        Records: [
          {
            eventSource: 'aws:ses',
            ses: {
              mail: {
                messageId,
                source: 'supplier@example.com',
                destination: ['restock@shop.example'],
                commonHeaders: { subject: 'Restock for December', from: ['"Tea Supplier" <supplier@example.com>'] },
              },
              receipt: {
                recipients: ['restock@shop.example'],
                spamVerdict: { status: 'PASS' },
                virusVerdict: { status: 'PASS' },
                spfVerdict: { status: 'PASS' },
                dkimVerdict: { status: 'PASS' },
                action: {
                  type: 'Lambda',
                  invocationType: 'Event',
                  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-receiveRestockMail',
                },
              },
            },
          },
        ],
      },
    });
  });

  it('passes on the verdicts the sender asks for, and the next rule takes other recipients', async () => {
    const { body } = await post(restockMail, '?to=orders@shop.example&spam=FAIL');
    expect(body.rules).toEqual([
      {
        name: 'everything-else',
        recipients: ['orders@shop.example'],
        actions: [expect.stringMatching(/^S3 .*\/other\//)],
      },
    ]);

    await post(restockMail, '?spam=FAIL&dkim=FAIL');
    await triggers.idle();
    const receipt = (invoked[0]!.event as { Records: { ses: { receipt: Record<string, unknown> } }[] }).Records[0]!.ses
      .receipt;
    expect(receipt).toMatchObject({ spamVerdict: { status: 'FAIL' }, dkimVerdict: { status: 'FAIL' } });
  });

  it("records the envelope sender in a Return-Path header when the message has none, as SES's mail server does", async () => {
    const withoutReturnPath = restockMail.replace('Return-Path: <supplier@example.com>\r\n', '');
    await post(withoutReturnPath, '?from=Other@Example.com');
    await triggers.idle();
    const mail = (invoked[0]!.event as { Records: { ses: { mail: Record<string, any> } }[] }).Records[0]!.ses.mail;
    expect(mail.source).toBe('other@example.com');
    expect(mail.headers[0]).toEqual({ name: 'Return-Path', value: '<other@example.com>' });
    expect(mail.commonHeaders.returnPath).toBe('other@example.com');
  });

  it('refuses a message it cannot deliver, saying why', async () => {
    expect(await post('')).toEqual({ status: 400, body: { message: 'Inbound mail refused: the message is empty' } });
    expect((await post('Subject: x\r\n\r\nno one')).body.message).toMatch(/no recipient/);
    expect((await post(restockMail, '?spam=MAYBE')).body.message).toMatch(/spam must be one of PASS, FAIL/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('receipt rules', () => {
  it('match an address, a domain, or any subdomain with a leading dot', () => {
    expect(recipientMatches(['restock@shop.example'], 'restock@shop.example')).toBe(true);
    expect(recipientMatches(['shop.example'], 'orders@shop.example')).toBe(true);
    expect(recipientMatches(['shop.example'], 'orders@eu.shop.example')).toBe(false);
    expect(recipientMatches(['.shop.example'], 'orders@eu.shop.example')).toBe(true);
    expect(recipientMatches([], 'anyone@anywhere.example')).toBe(true);
  });

  it('refuse an action the platform does not run, and a rule placed after no rule', () => {
    const withBounce: ServiceConfig = {
      ...config,
      resources: {
        Resources: {
          Bounce: {
            Type: 'AWS::SES::ReceiptRule',
            Properties: { Rule: { Name: 'b', Actions: [{ BounceAction: {} }] } },
          },
        },
      },
    };
    expect(() => declaredReceiptRules(withBounce, localIntrinsics(withBounce, new Map()))).toThrow(
      /Receipt rule b: the local platform does not run BounceAction/,
    );
    const orphan: ServiceConfig = {
      ...config,
      resources: {
        Resources: { R: { Type: 'AWS::SES::ReceiptRule', Properties: { After: 'nothing', Rule: { Name: 'r' } } } },
      },
    };
    expect(() => declaredReceiptRules(orphan, localIntrinsics(orphan, new Map()))).toThrow(
      /r: their After names no rule/,
    );
  });

  it('read folded headers and address lists as SES reports them', () => {
    const headers = parseMailHeaders(
      Buffer.from('To: "Smith, Ada" <ada@example.com>, bob@example.com\r\nSubject: a\r\n b\r\n\r\nbody'),
    );
    expect(commonHeaders(headers)).toEqual({
      to: ['"Smith, Ada" <ada@example.com>', 'bob@example.com'],
      subject: 'a b',
    });
  });
});
