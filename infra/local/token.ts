/**
 * npm run token -- --role admin|shopper --sub ID [--email ADDRESS] [--expires-in SECONDS]
 * Prints a JWT from the local issuer, with the claims a Cognito ID token carries, for the local
 * stack's authorizer: curl -H "Authorization: Bearer $(npm run -s token -- --role admin)" ...
 * Its verified `email` (ID@example.com unless given) is where an order's confirmation goes.
 */
import { parseArgs } from 'node:util';
import { roles, type Role } from '../../shared/auth/caller';
import { signToken } from './local-issuer';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'shopper' },
    sub: { type: 'string' },
    email: { type: 'string' },
    'expires-in': { type: 'string', default: '3600' },
  },
});

const role = values.role as Role;
if (!roles.includes(role)) {
  console.error(`--role must be one of: ${roles.join(', ')}`);
  process.exit(2);
}
const expiresIn = Number(values['expires-in']);
if (!Number.isInteger(expiresIn)) {
  console.error('--expires-in must be a whole number of seconds');
  process.exit(2);
}
console.log(signToken({ sub: values.sub ?? `demo-${role}`, role, expiresIn, email: values.email }));
