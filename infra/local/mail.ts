/**
 * npm run mail -- FILE.eml [--to ADDRESS]... [--from ADDRESS] [--spam|--virus|--spf|--dkim|--dmarc STATUS]
 *
 * Delivers a raw message (RFC 5322, as a mail client saves it) to the running local stack's SES,
 * as if it had arrived over SMTP: the receipt rules of serverless.yml store it in the local S3 and
 * invoke their functions with SES's event (infra/local/aws/ses/). The envelope is the message's
 * own To and Cc (recipients) and Return-Path or From (sender) unless --to and --from say otherwise;
 * SES's verdicts are PASS unless a flag sets one (FAIL, GRAY, PROCESSING_FAILED), to try how a
 * function treats mail SES distrusts. Prints what each rule did; sent mail (the functions'
 * answers) shows on the mailbox page, `stackInfo.ses.mailbox` in .local/stack.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { verdictNames } from './aws/ses/receipt-rules';
import { localDataDir } from './data-dir';

export interface MailArgs {
  file: string;
  to: string[];
  from?: string;
  verdicts: Record<string, string>;
}

export function parseMailArgs(argv: string[]): MailArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string', multiple: true },
      from: { type: 'string' },
      ...Object.fromEntries(verdictNames.map((name) => [name, { type: 'string' as const }])),
    },
  });
  if (positionals.length !== 1) {
    throw new Error(
      'Usage: npm run mail -- FILE.eml [--to ADDRESS]... [--from ADDRESS] [--spam|--virus|--spf|--dkim|--dmarc STATUS]',
    );
  }
  const verdicts: Record<string, string> = {};
  for (const name of verdictNames) {
    const status = (values as Record<string, unknown>)[name];
    if (typeof status === 'string') verdicts[name] = status;
  }
  return {
    file: positionals[0]!,
    to: values.to ?? [],
    ...(typeof values.from === 'string' ? { from: values.from } : {}),
    verdicts,
  };
}

/** SES's inbound endpoint on the local stack, with the envelope and verdicts as its query. */
export function inboundUrl(sesEndpoint: string, args: MailArgs): string {
  const url = new URL('/inbound', sesEndpoint);
  for (const to of args.to) url.searchParams.append('to', to);
  if (args.from) url.searchParams.set('from', args.from);
  for (const [name, status] of Object.entries(args.verdicts)) url.searchParams.set(name, status);
  return url.toString();
}

interface StackFile {
  endpoints: Record<string, string>;
  stackInfo?: { ses?: { mailbox?: string } };
}

async function main() {
  const args = parseMailArgs(process.argv.slice(2));
  const stackFile = join(localDataDir(), 'stack.json');
  let stack: StackFile;
  try {
    stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackFile;
  } catch {
    throw new Error(`No local stack found (${stackFile} is missing): is npm start running?`);
  }
  const endpoint = stack.endpoints.ses;
  if (!endpoint) throw new Error(`${stackFile} names no SES endpoint`);
  const response = await fetch(inboundUrl(endpoint, args), { method: 'POST', body: readFileSync(args.file) });
  const outcome = (await response.json()) as { message?: string; rules?: { name: string; actions: string[] }[] };
  if (!response.ok) throw new Error(outcome.message ?? `SES answered ${response.status}`);
  if (!outcome.rules?.length) console.error('No receipt rule takes mail for these recipients: nothing was done.');
  console.log(JSON.stringify(outcome, null, 2));
  console.error(`Mail the functions send shows at ${stack.stackInfo?.ses?.mailbox ?? `${endpoint}/`}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
