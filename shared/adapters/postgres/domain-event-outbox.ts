/**
 * The domain event outbox in PostgreSQL (migrations/008-domain-event-outbox.sql): writers queue
 * events with `queueDomainEvents` inside their own transaction; a drain is one transaction that
 * locks queued rows (FOR UPDATE SKIP LOCKED: two publishers never send the same row at the same
 * time), lets the caller publish them, deletes them and commits (shared/events/outbox-publishing.ts).
 */
import type { Pool, PoolClient } from 'pg';
import type { DomainEvent } from '../../events/domain-event';
import type { DomainEventOutbox } from '../../events/outbox-publishing';

/** Queues events in the caller's transaction; a repeat of an event id is the same fact, kept once. */
export async function queueDomainEvents(client: PoolClient, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO domain_event_outbox (event_id, source, detail_type, occurred_at, detail)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      events.map((e) => e.detail.eventId),
      events.map((e) => e.source),
      events.map((e) => e.detailType),
      events.map((e) => e.time),
      events.map((e) => JSON.stringify(e.detail)),
    ],
  );
}

interface OutboxRow {
  event_id: string;
  source: string;
  detail_type: string;
  occurred_at: Date;
  detail: DomainEvent['detail'];
}

export class PostgresDomainEventOutbox implements DomainEventOutbox {
  constructor(private readonly pool: Pool) {}

  async drain(
    publish: (events: DomainEvent[]) => Promise<void>,
    { eventIds, limit }: { eventIds?: readonly string[]; limit: number },
  ): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT event_id, source, detail_type, occurred_at, detail FROM domain_event_outbox
         WHERE ($1::uuid[] IS NULL OR event_id = ANY($1::uuid[]))
         ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [eventIds ?? null, limit],
      );
      if (rows.length > 0) {
        await publish(
          rows.map((row) => ({
            source: row.source,
            detailType: row.detail_type,
            time: row.occurred_at.toISOString(),
            detail: row.detail,
          })),
        );
        await client.query('DELETE FROM domain_event_outbox WHERE event_id = ANY($1::uuid[])', [
          rows.map((row) => row.event_id),
        ]);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM domain_event_outbox');
    return Number(rows[0]!.n);
  }
}
