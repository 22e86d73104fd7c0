/**
 * SES on the local platform (a LocalService, ../local-service.ts), both directions:
 *
 * - Out: aws-ses-v2-local (../shared/TOOLCHAIN.md, "SES") serves SES's v1 and v2 APIs in-process,
 *   so a function's SESv2 SendEmail (templated too) runs unchanged (AWS_ENDPOINT_URL_SES,
 *   AWS_ENDPOINT_URL_SESV2); what was sent shows in its page, `mailbox` in .local/stack.json, and
 *   as JSON at `/store`. The stack's AWS::SES::Template resources are created on it.
 * - In: SES receives mail for the shop's domain and runs the receipt rules (receipt-rules.ts).
 *   Locally a message arrives by `POST /inbound` on the same port (`npm run mail -- FILE.eml`,
 *   infra/local/mail.ts): the rules store it in the local S3 and invoke their functions.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AlreadyExistsException,
  CreateEmailTemplateCommand,
  SESv2Client,
  UpdateEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import { startAsyncInvocations } from '../../lambda/async-invoke';
import { errorMessage, functionArn } from '../../lambda/invoke';
import type { LocalResource } from '../../local-resources';
import { closeServer } from '../../supervisor';
import type { LocalService, StartedService } from '../local-service';
import { bareAddress, commonHeaders, parseMailHeaders } from './mail-message';
import {
  declaredReceiptRules,
  receiveMessage,
  verdictNames,
  type InboundMessage,
  type VerdictStatus,
} from './receipt-rules';

/**
 * aws-ses-v2-local's server function, required when SES starts (it brings Express along), not
 * when this module is imported (npm run invoke imports every module).
 */
function loadSesLocal(): (config: { host: string; port: number }) => Promise<Server> {
  const required = createRequire(__filename)('aws-ses-v2-local') as typeof import('aws-ses-v2-local');
  return required.default;
}

type InboundHandler = (message: InboundMessage) => Promise<unknown>;

export interface StartedSes extends StartedService {
  endpoint: string;
  /** Set once the receipt rules run (startTriggers); until then inbound mail is refused. */
  inbound: { handle?: InboundHandler };
}

const verdictStatuses: readonly VerdictStatus[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'];

/** Reads `POST /inbound?to=&from=&spam=…` with the raw message as its body. */
async function readInbound(request: IncomingMessage, url: URL): Promise<InboundMessage> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  if (!raw.length) throw new Error('the message is empty');
  const headers = parseMailHeaders(raw);
  const common = commonHeaders(headers);
  // Without an envelope given, the addresses in the message stand for it.
  const recipients = url.searchParams.getAll('to').length
    ? url.searchParams.getAll('to')
    : [...(common.to ?? []), ...(common.cc ?? [])];
  const source = url.searchParams.get('from') ?? common.returnPath ?? common.from?.[0];
  if (!recipients.length) throw new Error('no recipient: give to=, or a To header');
  if (!source) throw new Error('no sender: give from=, or a From header');
  const verdicts: InboundMessage['verdicts'] = {};
  for (const name of verdictNames) {
    const status = url.searchParams.get(name)?.toUpperCase();
    if (status === undefined) continue;
    if (!verdictStatuses.includes(status as VerdictStatus)) {
      throw new Error(`${name} must be one of ${verdictStatuses.join(', ')}, not ${status}`);
    }
    verdicts[name] = status as VerdictStatus;
  }
  return { raw, recipients: recipients.map(bareAddress), source: bareAddress(source), verdicts };
}

interface SesTemplateProperties {
  Template?: { TemplateName?: string; SubjectPart?: string; TextPart?: string; HtmlPart?: string };
}

export const ses: LocalService<StartedSes, 'ses'> = {
  name: 'ses',
  defaultPort: 8005,

  async start({ port, supervisor, log }) {
    // aws-ses-v2-local builds an Express app and listens; its app is taken into a server of our
    // own on the module's port, which also takes inbound mail.
    const sesLocal = loadSesLocal();
    const probe = await sesLocal({ host: '127.0.0.1', port: 0 });
    const app = probe.listeners('request')[0] as RequestListener;
    await closeServer(probe);
    const inbound: StartedSes['inbound'] = {};
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== '/inbound') return void app(request, response);
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST') return reply(405, { message: 'POST the raw message to /inbound' });
      if (!inbound.handle) return reply(503, { message: 'The receipt rules are not running yet' });
      const handle = inbound.handle;
      readInbound(request, url)
        .then(
          (message) => handle(message).then((outcome) => reply(200, outcome)),
          (error: Error) => reply(400, { message: `Inbound mail refused: ${error.message}` }),
        )
        .catch((error: Error) => reply(500, { message: error.message }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    supervisor.add('SES (aws-ses-v2-local)', () => closeServer(server));
    log(`SES (aws-ses-v2-local) on ${endpoint}; sent mail at ${endpoint}/`);
    return {
      endpoint,
      functionEnv: { AWS_ENDPOINT_URL_SES: endpoint, AWS_ENDPOINT_URL_SESV2: endpoint },
      stackInfo: { mailbox: `${endpoint}/` },
      inbound,
    };
  },

  resourceTypes: ['AWS::SES::Template', 'AWS::SES::ReceiptRuleSet', 'AWS::SES::ReceiptRule', 'AWS::SES::EmailIdentity'],

  async createResources(declared, { started, region, credentials, intrinsics }) {
    const client = new SESv2Client({ endpoint: started.endpoint, region, credentials });
    const created = new Map<string, LocalResource>();
    try {
      for (const [logicalId, resource] of declared) {
        if (resource.Type === 'AWS::SES::Template') {
          const { Template: template = {} } = intrinsics.resolve(resource.Properties ?? {}) as SesTemplateProperties;
          if (!template.TemplateName) throw new Error(`${logicalId}: an AWS::SES::Template needs a TemplateName`);
          const content = {
            TemplateName: template.TemplateName,
            TemplateContent: { Subject: template.SubjectPart, Text: template.TextPart, Html: template.HtmlPart },
          };
          await client.send(new CreateEmailTemplateCommand(content)).catch((error: unknown) => {
            // aws-ses-v2-local keeps its templates per process: a second local stack in the same
            // process (`npm run bench`: the load bench's, then the cold-start bench's) finds it there.
            // Its error names no type the SDK knows (the SDK makes it "Unknown", with the type beside).
            const type = (error as { type?: unknown } | null)?.type;
            if (!(error instanceof AlreadyExistsException) && type !== 'AlreadyExistsException') throw error;
            return client.send(new UpdateEmailTemplateCommand(content));
          });
          created.set(logicalId, { type: resource.Type, ref: template.TemplateName });
        } else {
          // Rule sets, rules and identities hold nothing to create locally; their Ref is their name.
          // (Only the name is resolved: a rule's actions name functions, which are no local resource.)
          const raw = (resource.Properties ?? {}) as {
            RuleSetName?: unknown;
            Rule?: { Name?: unknown };
            EmailIdentity?: unknown;
          };
          const declaredName =
            resource.Type === 'AWS::SES::ReceiptRule'
              ? raw.Rule?.Name
              : resource.Type === 'AWS::SES::ReceiptRuleSet'
                ? raw.RuleSetName
                : raw.EmailIdentity;
          const name = declaredName === undefined ? logicalId : String(intrinsics.resolve(declaredName));
          created.set(logicalId, { type: resource.Type, ref: name });
        }
      }
    } finally {
      client.destroy();
    }
    return created;
  },

  startTriggers(context) {
    const { config, region, credentials, endpoints, started } = context;
    const rules = declaredReceiptRules(config, context.intrinsics);
    const invocations = startAsyncInvocations(context);
    const s3 = new S3Client({ endpoint: endpoints.s3, region, credentials, forcePathStyle: true });
    started.inbound.handle = (message) =>
      receiveMessage(rules, message, {
        putObject: async (bucket, key, body) => {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'message/rfc822' }));
        },
        invokeEvent: (functionKey, event, label) => void invocations.invoke(functionKey, event, label),
        invokeRequestResponse: async (functionKey, event) => {
          const invocation = await context.invoke(functionKey, event);
          if (invocation.functionError) throw new Error(`${functionKey} failed: ${errorMessage(invocation)}`);
          return invocation.payload;
        },
      }).then((outcome) => {
        for (const rule of outcome.rules) context.log(`SES rule ${rule.name}: ${rule.actions.join('; ')}`);
        return outcome;
      });
    return Promise.resolve({
      sources: rules.flatMap((rule) =>
        rule.actions.flatMap((a) =>
          a.type === 'Lambda'
            ? [`SES rule ${rule.name} (${rule.recipients.join(', ') || 'all'}) → ${a.functionKey}`]
            : [],
        ),
      ),
      idle: () => invocations.idle(),
      async stop() {
        delete started.inbound.handle;
        await invocations.stop();
        s3.destroy();
      },
    });
  },

  // A receipt rule names the function, not the other way round: asked when the function has no
  // event of its own for it.
  sampleEvent({ declared, config, intrinsics, functionKey, fixture }) {
    if (declared !== undefined) return undefined;
    const rule = declaredReceiptRules(config, intrinsics).find((r) =>
      r.actions.some((a) => a.type === 'Lambda' && a.functionKey === functionKey),
    );
    if (!rule) return undefined;
    const sample = fixture('ses-lambda-event.json') as {
      Records: { ses: { mail: { destination: string[] }; receipt: Record<string, unknown> } }[];
    };
    const recipient = rule.recipients.find((r) => r.includes('@')) ?? `someone@${rule.recipients[0] ?? 'example.com'}`;
    for (const { ses: record } of sample.Records) {
      record.mail.destination = [recipient];
      record.receipt.recipients = [recipient];
      record.receipt.action = {
        type: 'Lambda',
        invocationType: 'Event',
        functionArn: functionArn(config, functionKey),
      };
    }
    return sample;
  },
};
