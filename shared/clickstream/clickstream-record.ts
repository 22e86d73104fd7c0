/**
 * The clickstream: what the web app sends to POST /events, and the record each event becomes on
 * the Kinesis stream (ClickstreamStream, infra/resources/clickstream.yml). The aggregator
 * (services/clickstream/aggregate-clickstream.ts) and the data lake's Firehose transform read the
 * record with the same schema.
 */
import * as z from '../zod';
import { skuSchema } from '../catalog/product';

export const clickstreamEventTypes = ['view', 'add-to-cart'] as const;
export type ClickstreamEventType = (typeof clickstreamEventTypes)[number];

/** Opaque, random, made by the browser per tab session (never a user id or an e-mail). */
export const sessionIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, underscores or dashes'));

/** How far occurredAt may lie from the time the API receives the event. */
export const occurredAtLimits = {
  /** Batches queued in a tab that slept (a laptop lid, a train tunnel) arrive late. */
  pastMs: 24 * 60 * 60 * 1000,
  /** Devices' clocks run ahead; more than this is a wrong clock or a made-up event. */
  futureMs: 15 * 60 * 1000,
};

const isoInstant = z.iso.datetime({ offset: true });

/** One event as the browser sends it. */
export const clickstreamEventSchema = z.strictObject({
  type: z.enum(clickstreamEventTypes),
  sku: skuSchema,
  sessionId: sessionIdSchema,
  occurredAt: isoInstant.check(
    z.refine((value: string) => {
      const age = Date.now() - Date.parse(value);
      return age <= occurredAtLimits.pastMs && age >= -occurredAtLimits.futureMs;
    }, 'must be within the last 24 hours (and not more than 15 minutes ahead)'),
  ),
});
export type ClickstreamEvent = z.infer<typeof clickstreamEventSchema>;

/** At most this many events in one POST /events: one Kinesis PutRecords call. */
export const maxEventsPerRequest = 500;
/** At most this many bytes of JSON in one POST /events. */
export const maxEventsBodyBytes = 256 * 1024;

export const recordEventsBody = z.strictObject({
  events: z.array(clickstreamEventSchema).check(z.minLength(1), z.maxLength(maxEventsPerRequest)),
});

/**
 * One record on the stream (its Data, UTF-8 JSON); the partition key is the sessionId. `ip` and
 * `userAgent` are personal data: the data lake's transform drops them, and the aggregates never
 * hold them. `userId` is optional: POST /events is a public route, and it does not set it.
 */
export const clickstreamRecordSchema = z.object({
  type: z.enum(clickstreamEventTypes),
  sku: skuSchema,
  sessionId: sessionIdSchema,
  occurredAt: isoInstant,
  receivedAt: isoInstant,
  ip: z.string().check(z.minLength(1), z.maxLength(64)),
  userAgent: z.string().check(z.maxLength(512)),
  userId: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
});
export type ClickstreamRecord = z.infer<typeof clickstreamRecordSchema>;
