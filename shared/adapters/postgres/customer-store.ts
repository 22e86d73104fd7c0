/** Customer rows in PostgreSQL (migrations/011-customers.sql), written once per Cognito sub. */
import type { Pool } from 'pg';
import type { Customer } from '../../customers/customer';
import type { CustomerStore } from '../../customers/customer-ports';

export class PostgresCustomerStore implements CustomerStore {
  constructor(private readonly pool: Pool) {}

  async create(customer: Customer): Promise<{ created: boolean }> {
    const result = await this.pool.query(
      'INSERT INTO customers (customer_id, email) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING',
      [customer.customerId, customer.email],
    );
    return { created: result.rowCount === 1 };
  }
}
