/**
 * The customer store as seen from outside the VPC: a synchronous invocation of createCustomer
 * (services/accounts/create-customer.ts), the function in the VPC that writes the row. The post
 * confirmation trigger cannot sit in the VPC itself: it must also call Cognito, and a user pool
 * with a domain (the hosted UI) cannot be reached through a VPC endpoint (docs/labs/18-*.md).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from '../../zod';
import type { Customer } from '../../customers/customer';
import type { CustomerStore } from '../../customers/customer-ports';

const createResult = z.object({ created: z.boolean() });

export class LambdaCustomerRecords implements CustomerStore {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async create(customer: Customer): Promise<{ created: boolean }> {
    const response = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(customer)),
      }),
    );
    const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
    if (response.FunctionError) {
      throw new Error(`${this.functionName} failed: ${text.slice(0, 500)}`);
    }
    return createResult.parse(JSON.parse(text));
  }
}
