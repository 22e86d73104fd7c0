/**
 * Restock notes in PostgreSQL (migrations/009-restock-messages.sql): the message recorded, the
 * products locked, the stock added and the outcome kept, all in one transaction. A duplicate
 * delivery waits on the message's row until the first commits, then finds it and adds nothing.
 */
import type { Pool } from 'pg';
import type { AppliedLine, RefusedLine, RestockResult, RestockStore } from '../../catalog/restock';

export class PostgresRestockStore implements RestockStore {
  constructor(private readonly pool: Pool) {}

  async apply({ messageId, supplier, by, skus, decide }: Parameters<RestockStore['apply']>[0]): Promise<RestockResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `INSERT INTO restock_messages (message_id, supplier, applied, refused) VALUES ($1, $2, '[]', '[]')
         ON CONFLICT (message_id) DO NOTHING`,
        [messageId, supplier],
      );
      if (rowCount === 0) {
        const { rows } = await client.query<{ supplier: string; applied: AppliedLine[]; refused: RefusedLine[] }>(
          'SELECT supplier, applied, refused FROM restock_messages WHERE message_id = $1',
          [messageId],
        );
        await client.query('COMMIT');
        return { messageId, ...rows[0]!, duplicate: true };
      }
      // Locked in SKU order, as orders lock them (order-store.ts), so the two cannot deadlock; an
      // order taking the same stock waits, then sees it raised.
      const { rows: found } = await client.query<{ sku: string; stock: number }>(
        `SELECT sku, stock FROM products WHERE sku = ANY($1::text[]) AND deleted_at IS NULL
         ORDER BY sku FOR UPDATE`,
        [skus],
      );
      const { applied, refused } = decide(new Map(found.map((row) => [row.sku, row.stock])));
      if (applied.length) {
        // The catalog outbox's trigger queues these SKUs for the read model in this transaction.
        await client.query(
          `UPDATE products p SET stock = p.stock + v.quantity, version = p.version + 1, updated_at = now(),
             changed_by = $3
           FROM unnest($1::text[], $2::int[]) AS v(sku, quantity)
           WHERE p.sku = v.sku`,
          [applied.map((line) => line.sku), applied.map((line) => line.quantity), by],
        );
      }
      await client.query('UPDATE restock_messages SET applied = $2, refused = $3 WHERE message_id = $1', [
        messageId,
        JSON.stringify(applied),
        JSON.stringify(refused),
      ]);
      await client.query('COMMIT');
      return { messageId, supplier, applied, refused, duplicate: false };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
