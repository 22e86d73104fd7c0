/**
 * Ports of the customer accounts. Adapters: shared/adapters/postgres/customer-store.ts (the
 * customer rows), shared/adapters/lambda/customer-records.ts (the same rows, from outside the VPC),
 * shared/adapters/cognito/user-groups.ts (group membership) and shared/adapters/dynamodb/
 * rate-limit-store.ts (the sign-up counters, through the clickstream's RateLimitStore port).
 */
import type { Customer } from './customer';

export interface CustomerStore {
  /** Stores the customer once: a second call with the same id changes nothing and says so. */
  create(customer: Customer): Promise<{ created: boolean }>;
}

export interface UserGroups {
  /** Puts the user in the group; a user already in it stays, and that is no error. */
  addUserToGroup(userPoolId: string, userName: string, group: string): Promise<void>;
}
