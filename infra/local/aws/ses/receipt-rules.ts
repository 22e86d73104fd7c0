/**
 * SES receiving on the local platform: the receipt rules serverless.yml declares
 * (AWS::SES::ReceiptRule in an AWS::SES::ReceiptRuleSet), applied to an inbound message as SES
 * applies them (https://docs.aws.amazon.com/ses/latest/dg/receiving-email-receipt-rules-console-walkthrough.html):
 *
 * - the rules in order (`After`), each for the message's recipients it names (an address, a
 *   domain, or `.domain` for its subdomains; none: every recipient), skipping disabled ones;
 * - the actions of a matching rule in order: S3Action stores the raw message at
 *   `<ObjectKeyPrefix><messageId>`, LambdaAction invokes the function with SES's event
 *   (`Event`: asynchronously; `RequestResponse`: waits, and a `disposition` of STOP_RULE or
 *   STOP_RULE_SET stops there), StopAction ends the rule set;
 * - the verdicts: SES scans for spam and viruses only when the rule has ScanEnabled (otherwise
 *   DISABLED), and checks SPF, DKIM and DMARC. Locally nothing is scanned: every verdict is PASS
 *   unless the sender of the test message asks for another (`npm run mail -- --spam FAIL`), so the
 *   function's refusals can be tried.
 *
 * CloudFormation cannot make a rule set the active one (docs/deploy.md says what to run); locally
 * the rule sets serverless.yml declares are the active ones.
 */
import { randomBytes } from 'node:crypto';
import type { ServiceConfig } from '../../../service-config';
import { functionArn, referencedFunctionKey } from '../../lambda/invoke';
import type { Intrinsics } from '../../local-resources';
import { bareAddress, commonHeaders, parseMailHeaders } from './mail-message';

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';
export type VerdictName = 'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc';
export const verdictNames: readonly VerdictName[] = ['spam', 'virus', 'spf', 'dkim', 'dmarc'];

type ReceiptAction =
  | { type: 'S3'; bucketName: string; objectKeyPrefix: string }
  | { type: 'Lambda'; functionKey: string; functionArn: string; invocationType: 'Event' | 'RequestResponse' }
  | { type: 'Stop' };

export interface ReceiptRule {
  name: string;
  enabled: boolean;
  recipients: string[];
  scanEnabled: boolean;
  actions: ReceiptAction[];
}

interface CfnReceiptRule {
  RuleSetName?: unknown;
  After?: string;
  Rule?: {
    Name?: string;
    Enabled?: boolean;
    Recipients?: string[];
    ScanEnabled?: boolean;
    Actions?: Record<string, Record<string, unknown>>[];
  };
}

/** The declared rules, in the order SES runs them (each after the one its `After` names). */
export function declaredReceiptRules(config: ServiceConfig, intrinsics: Intrinsics): ReceiptRule[] {
  const declared = Object.entries(config.resources.Resources).filter(([, r]) => r.Type === 'AWS::SES::ReceiptRule');
  const unordered = declared.map(([logicalId, resource]) => {
    const raw = (resource.Properties ?? {}) as CfnReceiptRule;
    const rule = raw.Rule ?? {};
    const name = rule.Name ?? logicalId;
    const actions = (rule.Actions ?? []).map((action): ReceiptAction => {
      const [type] = Object.keys(action);
      const properties = action[type!]!;
      switch (type) {
        case 'S3Action':
          return {
            type: 'S3',
            bucketName: String(intrinsics.resolve(properties.BucketName)),
            objectKeyPrefix:
              properties.ObjectKeyPrefix === undefined ? '' : String(intrinsics.resolve(properties.ObjectKeyPrefix)),
          };
        case 'LambdaAction': {
          const functionKey = referencedFunctionKey(properties.FunctionArn, config);
          if (!functionKey) throw new Error(`Receipt rule ${name}: its LambdaAction names no function of this service`);
          return {
            type: 'Lambda',
            functionKey,
            functionArn: functionArn(config, functionKey),
            invocationType: properties.InvocationType === 'RequestResponse' ? 'RequestResponse' : 'Event',
          };
        }
        case 'StopAction':
          return { type: 'Stop' };
        default:
          throw new Error(`Receipt rule ${name}: the local platform does not run ${type}`);
      }
    });
    return {
      after: raw.After === undefined ? undefined : String(intrinsics.resolve(raw.After)),
      rule: {
        name,
        enabled: rule.Enabled !== false,
        recipients: (rule.Recipients ?? []).map((r) => r.toLowerCase()),
        scanEnabled: rule.ScanEnabled === true,
        actions,
      },
    };
  });
  // The first rule is the one after no other; each next one names its predecessor in `After`.
  const ordered: ReceiptRule[] = [];
  let previous: string | undefined;
  for (;;) {
    const next = unordered.find((r) => r.after === previous && !ordered.includes(r.rule));
    if (!next) break;
    ordered.push(next.rule);
    previous = next.rule.name;
  }
  const unplaced = unordered.filter((r) => !ordered.includes(r.rule)).map((r) => r.rule.name);
  if (unplaced.length) throw new Error(`Receipt rules ${unplaced.join(', ')}: their After names no rule before them`);
  return ordered;
}

/** SES's rule: a recipient matches its address, its domain, or `.domain` for any subdomain. */
export function recipientMatches(ruleRecipients: string[], address: string): boolean {
  if (ruleRecipients.length === 0) return true;
  const domain = address.split('@')[1] ?? '';
  return ruleRecipients.some((r) => r === address || r === domain || (r.startsWith('.') && domain.endsWith(r)));
}

export interface InboundMessage {
  raw: Buffer;
  /** The SMTP envelope's recipients (RCPT TO). */
  recipients: string[];
  /** The SMTP envelope's sender (MAIL FROM). */
  source: string;
  verdicts?: Partial<Record<VerdictName, VerdictStatus>>;
}

export interface ReceiptDeps {
  putObject(bucket: string, key: string, body: Buffer): Promise<void>;
  /** Invokes asynchronously; resolves once queued. */
  invokeEvent(functionKey: string, event: unknown, label: string): void;
  /** Invokes and waits for the function's answer. */
  invokeRequestResponse(functionKey: string, event: unknown): Promise<unknown>;
}

export interface ReceiptOutcome {
  messageId: string;
  /** What each matching rule did, in order. */
  rules: { name: string; recipients: string[]; actions: string[] }[];
}

/** SES's message id: 40 lower-case letters and digits. */
const sesMessageId = () => [...randomBytes(40)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

export async function receiveMessage(
  rules: ReceiptRule[],
  message: InboundMessage,
  deps: ReceiptDeps,
): Promise<ReceiptOutcome> {
  const messageId = sesMessageId();
  const received = parseMailHeaders(message.raw);
  // SES, as the receiving mail server, records the envelope sender in a Return-Path header.
  const headers = received.some((h) => h.name.toLowerCase() === 'return-path')
    ? received
    : [{ name: 'Return-Path', value: `<${bareAddress(message.source)}>` }, ...received];
  const timestamp = new Date().toISOString();
  const recipients = message.recipients.map(bareAddress);
  const outcome: ReceiptOutcome = { messageId, rules: [] };
  const mail = {
    timestamp,
    source: bareAddress(message.source),
    messageId,
    destination: recipients,
    headersTruncated: false,
    headers,
    commonHeaders: { ...commonHeaders(headers), messageId: commonHeaders(headers).messageId ?? `<${messageId}@local>` },
  };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const matched = recipients.filter((r) => recipientMatches(rule.recipients, r));
    if (!matched.length) continue;
    const verdict = (name: VerdictName) => {
      if (!rule.scanEnabled && (name === 'spam' || name === 'virus')) return { status: 'DISABLED' };
      return { status: message.verdicts?.[name] ?? 'PASS' };
    };
    const receipt = {
      timestamp,
      processingTimeMillis: 1,
      recipients: matched,
      spamVerdict: verdict('spam'),
      virusVerdict: verdict('virus'),
      spfVerdict: verdict('spf'),
      dkimVerdict: verdict('dkim'),
      dmarcVerdict: verdict('dmarc'),
      dmarcPolicy: 'none',
    };
    const done: string[] = [];
    outcome.rules.push({ name: rule.name, recipients: matched, actions: done });
    for (const action of rule.actions) {
      if (action.type === 'Stop') {
        done.push('Stop');
        return outcome;
      }
      if (action.type === 'S3') {
        const key = `${action.objectKeyPrefix}${messageId}`;
        await deps.putObject(action.bucketName, key, message.raw);
        done.push(`S3 s3://${action.bucketName}/${key}`);
        continue;
      }
      const event = {
        Records: [
          {
            eventSource: 'aws:ses',
            eventVersion: '1.0',
            ses: {
              mail,
              receipt: {
                ...receipt,
                action: { type: 'Lambda', functionArn: action.functionArn, invocationType: action.invocationType },
              },
            },
          },
        ],
      };
      if (action.invocationType === 'Event') {
        deps.invokeEvent(
          action.functionKey,
          event,
          `SES rule ${rule.name} → ${action.functionKey}: ${mail.commonHeaders.subject ?? ''}`,
        );
        done.push(`Lambda ${action.functionKey} (Event)`);
        continue;
      }
      const answer = (await deps.invokeRequestResponse(action.functionKey, event)) as { disposition?: string } | null;
      done.push(`Lambda ${action.functionKey} (RequestResponse): ${answer?.disposition ?? 'CONTINUE'}`);
      if (answer?.disposition === 'STOP_RULE_SET') return outcome;
      if (answer?.disposition === 'STOP_RULE') break;
    }
  }
  return outcome;
}
