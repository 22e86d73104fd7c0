/**
 * The answer to a CloudFormation custom resource request: the JSON response PUT to the request's
 * ResponseURL, an S3 presigned URL in the stack's region (a VPC function reaches it through the
 * S3 gateway endpoint). As AWS's own cfn-response module does, the body goes with an empty
 * Content-Type: the URL is signed without one. CloudFormation refuses a body over 4096 bytes, so
 * the Reason is shortened to fit. A network error, a timeout, a 5xx or a 429 is tried again a
 * couple of times; any other status (403: the URL expired) is final.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../../observability';

export type CustomResourceStatus = 'SUCCESS' | 'FAILED';

export interface CustomResourceResponse {
  Status: CustomResourceStatus;
  /** Shown in the stack's events; required by CloudFormation when the status is FAILED. */
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  /** Whether CloudFormation masks Data in its console and API (nothing here is secret). */
  NoEcho: boolean;
  /** Values `!GetAtt <LogicalResourceId>.<key>` gives other resources. */
  Data?: Record<string, string>;
}

/** CloudFormation's limit on the whole response body. */
export const maxResponseBytes = 4096;

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

/** The JSON body, its Reason cut (on a character boundary, marked with "…") to stay within 4096 bytes. */
export function responseBody(response: CustomResourceResponse): string {
  const fits = (body: string) => Buffer.byteLength(body) <= maxResponseBytes;
  const whole = JSON.stringify(response);
  if (fits(whole)) return whole;
  const characters = Array.from(response.Reason);
  const cut = (kept: number) => JSON.stringify({ ...response, Reason: `${characters.slice(0, kept).join('')}…` });
  if (!fits(cut(0))) throw new ResponseTooLargeError(`The response is over ${maxResponseBytes} bytes without a reason`);
  // The longest beginning of the reason that fits (a character may take up to 6 bytes of JSON).
  let [low, high] = [0, characters.length - 1];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(cut(middle))) low = middle;
    else high = middle - 1;
  }
  return cut(low);
}

export interface SendOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** How long one PUT may take before it is abandoned (and tried again). */
  attemptTimeoutMs?: number;
  /** Pause before the second try; doubled before each later one. */
  retryDelayMs?: number;
}

/**
 * The defaults fit the 10 seconds the custom resource keeps for its last answer
 * (shared/triggers/custom-resource.ts): at most 3 × 2 s of PUTs and 0.75 s of pauses.
 */
export const defaultSendOptions: Required<SendOptions> = { attempts: 3, attemptTimeoutMs: 2_000, retryDelayMs: 250 };

class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The URL without its query: the signature there lets anyone write this one response. */
const printable = (url: string) => url.split('?')[0];

async function putOnce(url: string, body: Uint8Array, timeoutMs: number): Promise<void> {
  try {
    const response = await fetch(url, {
      method: 'PUT',
      // Empty, as the presigned URL expects; fetch would otherwise add its own for a string body.
      headers: { 'content-type': '' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { status } = response;
    const text = await response.text().catch(() => '');
    if (response.ok) return;
    throw new AttemptError(
      `The response URL answered ${status}: ${text.slice(0, 300)}`,
      status >= 500 || status === 429,
    );
  } catch (error) {
    if (error instanceof AttemptError) throw error;
    throw new AttemptError(`PUT to the response URL failed: ${(error as Error).message}`, true, { cause: error });
  }
}

/** PUTs the response to CloudFormation, or throws once the tries are used up (or a try is final). */
export async function sendCustomResourceResponse(
  responseUrl: string,
  response: CustomResourceResponse,
  options: SendOptions = {},
): Promise<void> {
  const { attempts, attemptTimeoutMs, retryDelayMs } = { ...defaultSendOptions, ...options };
  const body = Buffer.from(responseBody(response));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await putOnce(responseUrl, body, attemptTimeoutMs);
      logger.info('Answered CloudFormation', {
        status: response.Status,
        reason: response.Reason,
        physicalResourceId: response.PhysicalResourceId,
        data: response.Data,
        attempt,
      });
      return;
    } catch (error) {
      const { retryable, message } = error as AttemptError;
      if (!retryable || attempt >= attempts) {
        throw new Error(`Could not answer CloudFormation at ${printable(responseUrl)} (${attempt} tries): ${message}`, {
          cause: error,
        });
      }
      logger.warn('Answering CloudFormation failed; trying again', { attempt, error: message });
      await sleep(retryDelayMs * 2 ** (attempt - 1));
    }
  }
}
