/**
 * Whom the shop takes inbound mail from. SES checks every message it receives (SPF, DKIM, and when
 * the rule asks, spam and viruses) and reports verdicts with it; the shop's own rule is an
 * allow-list. A message is trusted only when every one of those verdicts passed and its envelope
 * sender (MAIL FROM, the address SPF checked) is on the list: a From header alone is easily forged.
 * https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
 */

export type VerdictName = 'spam' | 'virus' | 'spf' | 'dkim';
export const requiredVerdicts: readonly VerdictName[] = ['spam', 'virus', 'spf', 'dkim'];

/** `a@x.example, B@Y.example` → the addresses, trimmed and lower-cased. */
export function allowList(setting: string): Set<string> {
  return new Set(
    setting
      .split(',')
      .map((address) => address.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Why the message is not trusted, or undefined when it is. */
export function distrustReason(message: {
  sender: string;
  verdicts: Record<VerdictName, string>;
  allowed: ReadonlySet<string>;
}): string | undefined {
  const failed = requiredVerdicts.filter((name) => message.verdicts[name] !== 'PASS');
  if (failed.length) return `SES verdicts not PASS: ${failed.map((n) => `${n} ${message.verdicts[n]}`).join(', ')}`;
  if (!message.allowed.has(message.sender.toLowerCase())) return `${message.sender} is not on the allow-list`;
  return undefined;
}
