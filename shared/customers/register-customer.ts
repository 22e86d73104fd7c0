/**
 * What a confirmed sign-up becomes (the user pool's post confirmation trigger asks): a customer
 * row in PostgreSQL, then membership of the `shopper` group, whose name the API's role check reads
 * from the token. Both steps are idempotent, so a retry after either failed completes the other
 * without a duplicate: the row is keyed by the user's sub, and adding a member twice is no error.
 * The row comes first: a shopper is never in the group without the row their orders refer to.
 */
import type { Customer } from './customer';
import type { CustomerStore, UserGroups } from './customer-ports';

export const shopperGroup = 'shopper';

export interface RegisterCustomerDeps {
  customers: CustomerStore;
  groups: UserGroups;
}

export interface ConfirmedUser {
  userPoolId: string;
  userName: string;
  customer: Customer;
}

export async function registerCustomer(deps: RegisterCustomerDeps, user: ConfirmedUser): Promise<{ created: boolean }> {
  const result = await deps.customers.create(user.customer);
  await deps.groups.addUserToGroup(user.userPoolId, user.userName, shopperGroup);
  return result;
}
