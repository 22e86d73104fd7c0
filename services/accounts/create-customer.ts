// Invoked by postConfirmation (RequestResponse): writes the customer row in PostgreSQL, from
// inside the VPC. services/accounts/functions.yml.
import { PostgresCustomerStore } from '../../shared/adapters/postgres/customer-store';
import { createPool } from '../../shared/adapters/postgres/pool';
import { customerSchema } from '../../shared/customers/customer';
import { observedHandler } from '../../shared/triggers/observed-handler';

const customers = new PostgresCustomerStore(createPool());

export const handler = observedHandler(async (event: unknown) => {
  const customer = customerSchema.safeParse(event);
  if (!customer.success) {
    throw new Error(
      `Invalid customer: ${customer.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return customers.create(customer.data);
});
