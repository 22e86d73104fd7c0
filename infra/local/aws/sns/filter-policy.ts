/**
 * SNS subscription filter policies, matched as SNS matches them:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
 *
 * A policy has the syntax of an EventBridge pattern (exact values, prefix, suffix,
 * equals-ignore-case, anything-but, numeric, exists, cidr, `$or`), so the matching is
 * EventBridge's (../eventbridge/event-pattern.ts); what differs is what it is matched against:
 * - `MessageAttributes` scope (the default): a flat policy over the message's attributes, each read
 *   by its type (String → text, Number → a number, String.Array → its JSON array; Binary is never
 *   matched);
 * - `MessageBody` scope: the message itself, parsed as JSON (a body that is not JSON matches nothing).
 */
import { compileEventPattern, type EventMatcher } from '../eventbridge/event-pattern';

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

export type MessageFilter = (message: string, attributes: Record<string, MessageAttribute>) => boolean;

function attributeValue(attribute: MessageAttribute): unknown {
  switch (attribute.DataType.split('.')[0]) {
    case 'String':
      if (attribute.DataType === 'String.Array') {
        try {
          return JSON.parse(attribute.StringValue ?? '') as unknown;
        } catch {
          return undefined;
        }
      }
      return attribute.StringValue;
    case 'Number':
      return Number(attribute.StringValue);
    default:
      // Binary attributes take no part in filtering.
      return undefined;
  }
}

/** Compiles a subscription's policy; throws, naming the problem, where SNS answers InvalidParameter. */
export function compileFilterPolicy(policy: string, scope: FilterPolicyScope = 'MessageAttributes'): MessageFilter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw new Error('FilterPolicy: not valid JSON');
  }
  let matches: EventMatcher;
  try {
    matches = compileEventPattern(parsed);
  } catch (error) {
    throw new Error(`FilterPolicy: ${(error as Error).message.replace(/^Event pattern/, 'policy')}`, { cause: error });
  }
  if (scope === 'MessageAttributes') {
    const nested = Object.entries(parsed as Record<string, unknown>).some(
      ([key, value]) => key !== '$or' && !Array.isArray(value),
    );
    if (nested) throw new Error('FilterPolicy: nested keys need FilterPolicyScope MessageBody');
    return (_message, attributes) =>
      matches(
        Object.fromEntries(
          Object.entries(attributes)
            .map(([name, attribute]) => [name, attributeValue(attribute)] as const)
            .filter(([, value]) => value !== undefined),
        ),
      );
  }
  return (message) => {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      return false;
    }
    return matches(body);
  };
}
