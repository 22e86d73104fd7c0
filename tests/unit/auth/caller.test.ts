import { callerFromClaims } from '../../../shared/auth/caller';

describe('callerFromClaims', () => {
  it('files a shopper under the customer_id the pre token generation trigger added', () => {
    const claims = { sub: 'user-1', customer_id: 'user-1', 'cognito:groups': ['shopper'] };
    expect(callerFromClaims(claims)?.id).toBe('user-1');
    expect(callerFromClaims({ sub: 'user-2', customer_id: '', 'cognito:groups': ['admin'] })?.id).toBe('user-2');
  });

  it('reads the groups as API Gateway sends them: one string in brackets, space-separated', () => {
    // given
    const claims = { sub: 'user-1', 'cognito:groups': '[admin shopper]', token_use: 'id' };

    // when
    const caller = callerFromClaims(claims);

    // then
    expect(caller).toEqual({ id: 'user-1', roles: ['admin', 'shopper'] });
  });

  it('reads a single group in brackets', () => {
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': '[shopper]' })).toEqual({
      id: 'user-1',
      roles: ['shopper'],
    });
  });

  it('reads comma-separated groups', () => {
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': 'shopper, admin' })).toEqual({
      id: 'user-1',
      roles: ['admin', 'shopper'],
    });
  });

  it('reads the groups as serverless-offline sends them: a JSON array', () => {
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': ['shopper', 'admin'] })).toEqual({
      id: 'user-1',
      roles: ['admin', 'shopper'],
    });
  });

  it('drops groups that are not roles of the shop', () => {
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': '[superuser admin us-east-1_Google]' })).toEqual({
      id: 'user-1',
      roles: ['admin'],
    });
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': ['root', 'shopper'] })).toEqual({
      id: 'user-1',
      roles: ['shopper'],
    });
  });

  it('gives no roles to a caller without groups, with an empty group list, or with groups of another type', () => {
    expect(callerFromClaims({ sub: 'user-1' })).toEqual({ id: 'user-1', roles: [] });
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': '[]' })).toEqual({ id: 'user-1', roles: [] });
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': 42 })).toEqual({ id: 'user-1', roles: [] });
  });

  it('does not treat a role name inside another group name as that role', () => {
    expect(callerFromClaims({ sub: 'user-1', 'cognito:groups': '[administrators shoppers]' })).toEqual({
      id: 'user-1',
      roles: [],
    });
  });

  it.each([
    ['no claims at all', undefined],
    ['claims without sub', { 'cognito:groups': '[admin]' }],
    ['an empty sub', { sub: '', 'cognito:groups': '[admin]' }],
    ['a sub that is not a string', { sub: 12345, 'cognito:groups': '[admin]' }],
  ])('returns undefined for %s', (_, claims) => {
    expect(callerFromClaims(claims)).toBeUndefined();
  });
});

describe("callerFromClaims: the caller's e-mail", () => {
  it('takes a verified address (API Gateway passes the flag as a string)', () => {
    expect(callerFromClaims({ sub: 'u', email: 'sam@example.com', email_verified: 'true' })).toEqual({
      id: 'u',
      roles: [],
      email: 'sam@example.com',
    });
    expect(callerFromClaims({ sub: 'u', email: 'sam@example.com', email_verified: true })?.email).toBe(
      'sam@example.com',
    );
  });

  it('leaves out an address that is not verified, or not an address', () => {
    expect(callerFromClaims({ sub: 'u', email: 'sam@example.com', email_verified: 'false' })).toEqual({
      id: 'u',
      roles: [],
    });
    expect(callerFromClaims({ sub: 'u', email: 'sam@example.com' })?.email).toBeUndefined();
    expect(callerFromClaims({ sub: 'u', email: 'not an address', email_verified: 'true' })?.email).toBeUndefined();
  });
});
