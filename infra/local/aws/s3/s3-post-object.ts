/**
 * S3's POST object (a browser form upload), for the local S3 front (s3-front.ts): reading the
 * multipart/form-data body up to the file, and checking the form against its signed policy as S3
 * does: the signature over the base64 policy, its expiration, every condition (exact values,
 * `starts-with`, `content-length-range`), and no field the policy does not name.
 */
import {
  S3Refusal,
  accessDenied,
  parseAmzDate,
  parseCredential,
  sameSignature,
  signatureDoesNotMatch,
  signerFor,
  type Secrets,
} from './s3-signature';

export interface FormField {
  /** As sent; S3 compares field names without regard to case. */
  name: string;
  value: string;
}

export interface FormHead {
  /** The fields before the file, in order (S3 ignores fields after it). */
  fields: FormField[];
  /** The body up to where the file's content starts, as sent. */
  head: Buffer;
  /** What was read past `head`: the start of the file's content. */
  rest: Buffer;
}

/** S3 refuses a form whose fields before the file take more than this. */
export const maxPreDataBytes = 20 * 1024;

export function formBoundary(contentType: string | undefined): string {
  const match = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) {
    throw new S3Refusal(
      400,
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
  }
  return boundary;
}

const preDataTooLarge = () =>
  new S3Refusal(
    400,
    'MaxPostPreDataLengthExceeded',
    'Your POST request fields preceding the upload file were too large.',
    { MaxPostPreDataLength: maxPreDataBytes },
  );

const malformedForm = () =>
  new S3Refusal(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');

function partName(headerBlock: string): string {
  const disposition = headerBlock.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line));
  const name = /;\s*name="([^"]*)"/i.exec(disposition ?? '')?.[1];
  if (name === undefined) throw malformedForm();
  return name;
}

/** Reads the form's fields up to the part named `file`, whose content is left to the caller. */
export async function readFormHead(body: AsyncIterator<Buffer>, boundary: string): Promise<FormHead> {
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const fields: FormField[] = [];
  let buffer = Buffer.alloc(0);
  let position = -1;
  for (;;) {
    // Parse what has arrived; `more` means the next piece is needed.
    let more = false;
    while (!more) {
      if (position < 0) {
        const start = buffer.indexOf(dashBoundary);
        if (start < 0) more = true;
        else position = start + dashBoundary.length;
        continue;
      }
      if (buffer.length < position + 2) {
        more = true;
        continue;
      }
      const after = buffer.subarray(position, position + 2).toString('latin1');
      if (after === '--') {
        throw new S3Refusal(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', {
          ArgumentName: 'file',
          ArgumentValue: 0,
        });
      }
      if (after !== '\r\n') throw malformedForm();
      const headersEnd = buffer.indexOf('\r\n\r\n', position + 2);
      if (headersEnd < 0) {
        more = true;
        continue;
      }
      const name = partName(buffer.subarray(position + 2, headersEnd).toString('utf8'));
      const contentStart = headersEnd + 4;
      if (name.toLowerCase() === 'file') {
        if (contentStart > maxPreDataBytes) throw preDataTooLarge();
        return { fields, head: buffer.subarray(0, contentStart), rest: buffer.subarray(contentStart) };
      }
      const end = buffer.indexOf(delimiter, contentStart);
      if (end < 0) {
        more = true;
        continue;
      }
      fields.push({ name, value: buffer.subarray(contentStart, end).toString('utf8') });
      position = end + delimiter.length;
    }
    if (buffer.length > maxPreDataBytes) throw preDataTooLarge();
    const next = await body.next();
    if (next.done) throw malformedForm();
    buffer = Buffer.concat([buffer, next.value]);
  }
}

/**
 * The file's content: from `rest` and the pieces after it up to the closing delimiter. A body
 * that ends before it is an incomplete upload.
 */
export async function* fileContent(
  rest: Buffer,
  body: AsyncIterator<Buffer>,
  boundary: string,
): AsyncGenerator<Buffer> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let pending = rest;
  for (;;) {
    const end = pending.indexOf(delimiter);
    if (end >= 0) {
      if (end > 0) yield pending.subarray(0, end);
      return;
    }
    // Keep what could be the start of the delimiter, split between two pieces.
    const keep = Math.min(pending.length, delimiter.length - 1);
    if (pending.length > keep) yield pending.subarray(0, pending.length - keep);
    pending = pending.subarray(pending.length - keep);
    const next = await body.next();
    if (next.done) {
      throw new S3Refusal(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    }
    pending = Buffer.concat([pending, next.value]);
  }
}

type Condition = { field: string; test: 'eq' | 'starts-with'; value: string } | { range: [number, number] };

function parseConditions(conditions: unknown): Condition[] {
  const invalid = (why: string) => new S3Refusal(400, 'InvalidPolicyDocument', `Invalid Policy: ${why}`);
  if (!Array.isArray(conditions)) throw invalid('Invalid conditions.');
  return conditions.map((condition): Condition => {
    if (Array.isArray(condition)) {
      const [operator, subject, value] = condition as unknown[];
      if (operator === 'content-length-range') {
        if (typeof subject !== 'number' || typeof value !== 'number') {
          throw invalid('Invalid content-length-range condition.');
        }
        return { range: [subject, value] };
      }
      const op = String(operator).toLowerCase();
      if (
        (op === 'eq' || op === 'starts-with') &&
        typeof subject === 'string' &&
        subject.startsWith('$') &&
        typeof value === 'string'
      ) {
        return { field: subject.slice(1).toLowerCase(), test: op, value };
      }
      throw invalid(`Invalid Condition: ${JSON.stringify(condition)}`);
    }
    const entries = condition && typeof condition === 'object' ? Object.entries(condition as object) : [];
    const [field, value] = entries[0] ?? [];
    if (entries.length !== 1 || typeof value !== 'string')
      throw invalid(`Invalid Condition: ${JSON.stringify(condition)}`);
    return { field: field!.toLowerCase(), test: 'eq', value };
  });
}

const describeCondition = (condition: Condition) =>
  'range' in condition
    ? JSON.stringify(['content-length-range', ...condition.range])
    : JSON.stringify([condition.test, `$${condition.field}`, condition.value]);

/** Fields S3 does not want the policy to name. */
const unpoliced = (name: string) =>
  ['x-amz-signature', 'file', 'policy'].includes(name) || name.startsWith('x-ignore-');

/**
 * Checks a form's signature and policy; returns the allowed file sizes (content-length-range)
 * when the policy sets them.
 */
export async function checkPostPolicy(
  fields: readonly FormField[],
  bucket: string,
  secrets: Secrets,
  now: Date,
): Promise<{ minBytes: number; maxBytes: number } | undefined> {
  const values = new Map<string, string>();
  for (const { name, value } of fields) values.set(name.toLowerCase(), value);
  const policy = values.get('policy');
  const signature = values.get('x-amz-signature');
  if (values.has('signature') || values.has('awsaccesskeyid')) {
    throw new S3Refusal(
      400,
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  // No policy, no signature: an anonymous upload, which a private bucket refuses.
  if (policy === undefined && signature === undefined) throw accessDenied();
  const missing = (name: string) =>
    new S3Refusal(
      400,
      'InvalidArgument',
      `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
      {
        ArgumentName: name,
      },
    );
  if (policy === undefined) throw missing('policy');
  if (signature === undefined) throw missing('x-amz-signature');
  if (values.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') throw missing('x-amz-algorithm');
  const credential = parseCredential(
    values.get('x-amz-credential') ?? '',
    secrets,
    (message) => new S3Refusal(400, 'InvalidArgument', message, { ArgumentName: 'x-amz-credential' }),
  );
  const signingDate = parseAmzDate(values.get('x-amz-date'));
  if (!signingDate) throw missing('x-amz-date');

  // The signature is over the policy as sent, base64 and all.
  const computed = await signerFor(credential).sign(policy, {
    signingDate,
    signingRegion: credential.region,
    signingService: 's3',
  });
  if (!sameSignature(signature, computed)) throw signatureDoesNotMatch(credential.accessKeyId, signature);

  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    throw new S3Refusal(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const expiration = typeof document.expiration === 'string' ? Date.parse(document.expiration) : NaN;
  if (Number.isNaN(expiration))
    throw new S3Refusal(400, 'InvalidPolicyDocument', "Invalid Policy: Invalid 'expiration' value.");
  if (now.getTime() > expiration) throw accessDenied('Invalid according to Policy: Policy expired.');

  const conditions = parseConditions(document.conditions);
  // The bucket is the one the form was posted to.
  values.set('bucket', bucket);
  let range: { minBytes: number; maxBytes: number } | undefined;
  for (const condition of conditions) {
    if ('range' in condition) {
      range = { minBytes: condition.range[0], maxBytes: condition.range[1] };
      continue;
    }
    const actual = values.get(condition.field) ?? '';
    const met = condition.test === 'eq' ? actual === condition.value : actual.startsWith(condition.value);
    if (!met)
      throw accessDenied(`Invalid according to Policy: Policy Condition failed: ${describeCondition(condition)}`);
  }
  const named = new Set(conditions.flatMap((c) => ('field' in c ? [c.field] : [])));
  const extra = fields.map((f) => f.name.toLowerCase()).filter((name) => !unpoliced(name) && !named.has(name));
  if (extra.length) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return range;
}
