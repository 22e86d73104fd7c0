/**
 * One clickstream event as the web app's POST /events puts it on the Kinesis stream
 * (ClickstreamStream, partition key: sessionId), one record per event, as UTF-8 JSON. The
 * stream's consumers read it with this schema: the views-per-minute aggregation, and
 * stripPersonalData on the way to the data lake. `ip`, `userAgent` and `userId` are personal data:
 * they stay on the stream (24 hours) and never reach the data lake.
 */
import { z } from 'zod';
import { skuPattern } from '../catalog/product';

export const clickstreamEventTypes = ['view', 'add-to-cart'] as const;

export const clickstreamRecordSchema = z.object({
  type: z.enum(clickstreamEventTypes),
  sku: z.string().regex(skuPattern, 'must be a SKU: 1-40 capital letters, digits or dashes'),
  /** Opaque, chosen by the browser for its session. */
  sessionId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, _ or -'),
  /** When the shopper did it (the browser's clock). */
  occurredAt: z.iso.datetime({ offset: true }),
  /** When the API took it in. */
  receivedAt: z.iso.datetime({ offset: true }),
  /** The caller's source IP, as API Gateway saw it. */
  ip: z.union([z.ipv4(), z.ipv6()]),
  userAgent: z.string().max(2048),
  /** The Cognito user's `sub`, when the shopper is signed in. */
  userId: z.string().min(1).max(128).optional(),
});

export type ClickstreamRecord = z.infer<typeof clickstreamRecordSchema>;
