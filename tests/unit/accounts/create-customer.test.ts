// createCustomer refuses a malformed customer before it reaches PostgreSQL (the row itself is
// written in tests/integration/sign-up.test.ts, against the real database).
import { handler } from '../../../services/accounts/create-customer';
import { lambdaContext } from '../../helpers/http-events';

describe('createCustomer', () => {
  it.each([
    [{ customerId: 'not-a-uuid', email: 'ada@example.com' }, 'customerId'],
    [{ customerId: '3f1c2a9e-8d4b-4c1e-9f2a-6b7d8e9f0a1b', email: '<email>' }, 'email'],
    [{ customerId: '3f1c2a9e-8d4b-4c1e-9f2a-6b7d8e9f0a1b', email: 'ada@example.com', admin: true }, 'admin'],
  ])('refuses %j, naming %s', async (event, field) => {
    await expect(handler(event, lambdaContext())).rejects.toThrow(new RegExp(`^Invalid customer: .*${field}`));
  });
});
