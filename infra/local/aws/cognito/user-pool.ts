/**
 * The local user pool: the part of Cognito's user pools API the sign-up journey uses, with the
 * pool's own triggers run as Cognito runs them (synchronously, with its event shapes, the
 * function's error shown as "<Trigger> failed with error <message>."):
 *   SignUp → PreSignUp → a confirmation code, mailed (the local SES mailbox)
 *   ConfirmSignUp → PostConfirmation (which calls AdminAddUserToGroup back here)
 *   InitiateAuth (USER_PASSWORD_AUTH) → PreTokenGeneration (V2_0) → ID and access tokens
 *   AdminAddUserToGroup
 * Tokens are signed by the local issuer (local-issuer.ts), which the local authorizer trusts.
 * Users are kept in a JSON file in the stack's data directory. Passwords are hashed (scrypt).
 */
import { randomInt, randomUUID, scryptSync, timingSafeEqual, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { localIssuer, signClaims } from '../../local-issuer';

export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export type TriggerName = 'PreSignUp' | 'PostConfirmation' | 'PreTokenGeneration';

interface TokenPart {
  claimsToAddOrOverride?: Record<string, unknown>;
  claimsToSuppress?: string[];
}

/** What the pool reads of a trigger's answer (the event, with its response filled in). */
export interface TriggerResult {
  response?: {
    autoConfirmUser?: boolean;
    claimsAndScopeOverrideDetails?: {
      idTokenGeneration?: TokenPart;
      accessTokenGeneration?: TokenPart;
      groupOverrideDetails?: { groupsToOverride?: string[] };
    } | null;
  };
}

/** Runs a trigger's function; resolves with its result, or rejects with its error message. */
export type TriggerRunner = (trigger: TriggerName, event: Record<string, unknown>) => Promise<TriggerResult>;

type Input = Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' ? value : '');

export interface PasswordPolicy {
  MinimumLength?: number;
  RequireLowercase?: boolean;
  RequireUppercase?: boolean;
  RequireNumbers?: boolean;
  RequireSymbols?: boolean;
}

export interface PoolSettings {
  userPoolId: string;
  clientId: string;
  region: string;
  passwordPolicy: PasswordPolicy;
  groups: string[];
  /** The triggers the pool declares (LambdaConfig); the token one's event version. */
  triggers: TriggerName[];
  tokenEventVersion: '1' | '2';
}

interface StoredUser {
  sub: string;
  email: string;
  passwordHash: string;
  status: 'UNCONFIRMED' | 'CONFIRMED';
  code?: string;
  groups: string[];
}

const hash = (password: string, salt = randomBytes(16).toString('hex')) =>
  `${salt}:${scryptSync(password, salt, 32).toString('hex')}`;

function passwordMatches(password: string, stored: string): boolean {
  const [salt] = stored.split(':');
  return timingSafeEqual(Buffer.from(hash(password, salt)), Buffer.from(stored));
}

const callerContext = (clientId: string) => ({ awsSdkVersion: 'aws-sdk-unknown-unknown', clientId });

export class LocalUserPool {
  private users: StoredUser[];
  settings?: PoolSettings;
  runTrigger?: TriggerRunner;
  /** Sends the confirmation code (the service module mails it through the local SES). */
  deliverCode?: (email: string, code: string) => Promise<void>;

  constructor(
    private readonly file: string,
    private readonly dataDir: string,
  ) {
    try {
      this.users = JSON.parse(readFileSync(file, 'utf8')) as StoredUser[];
    } catch {
      this.users = [];
    }
  }

  private save() {
    writeFileSync(this.file, JSON.stringify(this.users, null, 2), { mode: 0o600 });
  }

  private pool(clientId?: string, userPoolId?: string): PoolSettings {
    const settings = this.settings;
    if (!settings) throw new CognitoError('ResourceNotFoundException', 'The local user pool is not created yet');
    if (clientId !== undefined && clientId !== settings.clientId) {
      throw new CognitoError('ResourceNotFoundException', 'User pool client does not exist.');
    }
    if (userPoolId !== undefined && userPoolId !== settings.userPoolId) {
      throw new CognitoError('ResourceNotFoundException', 'User pool does not exist.');
    }
    return settings;
  }

  private find(username: unknown): StoredUser | undefined {
    const name = text(username).toLowerCase();
    return this.users.find((user) => user.email === name || user.sub === name);
  }

  private async trigger(name: TriggerName, event: Record<string, unknown>) {
    if (!this.settings?.triggers.includes(name) || !this.runTrigger) return undefined;
    try {
      return await this.runTrigger(name, event);
    } catch (error) {
      throw new CognitoError('UserLambdaValidationException', `${name} failed with error ${(error as Error).message}.`);
    }
  }

  private checkPassword(password: unknown, policy: PasswordPolicy) {
    const given = text(password);
    const problems = [
      given.length < (policy.MinimumLength ?? 8) && `Password not long enough`,
      policy.RequireLowercase && !/[a-z]/.test(given) && 'Password must have lowercase characters',
      policy.RequireUppercase && !/[A-Z]/.test(given) && 'Password must have uppercase characters',
      policy.RequireNumbers && !/[0-9]/.test(given) && 'Password must have numeric characters',
      policy.RequireSymbols && !/[^A-Za-z0-9]/.test(given) && 'Password must have symbol characters',
    ].filter(Boolean);
    if (problems.length) {
      throw new CognitoError('InvalidPasswordException', `Password did not conform with policy: ${problems[0]}`);
    }
  }

  async signUp(input: { ClientId?: string; Username?: string; Password?: string; ClientMetadata?: unknown }) {
    const pool = this.pool(input.ClientId);
    const email = String(input.Username ?? '').trim();
    // The pool's usernames are e-mail addresses (UsernameAttributes: [email]): Cognito's own, loose check.
    if (!/^[^@\s]+@[^@\s]+$/.test(email))
      throw new CognitoError('InvalidParameterException', 'Username should be an email.');
    this.checkPassword(input.Password, pool.passwordPolicy);
    if (this.find(email))
      throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
    const sub = randomUUID();
    const result = await this.trigger('PreSignUp', {
      version: '1',
      triggerSource: 'PreSignUp_SignUp',
      region: pool.region,
      userPoolId: pool.userPoolId,
      userName: sub,
      callerContext: callerContext(pool.clientId),
      request: {
        userAttributes: { email },
        validationData: null,
        ...(input.ClientMetadata ? { clientMetadata: input.ClientMetadata } : {}),
      },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    const confirmed = result?.response?.autoConfirmUser === true;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    this.users.push({
      sub,
      email: email.toLowerCase(),
      passwordHash: hash(String(input.Password)),
      status: confirmed ? 'CONFIRMED' : 'UNCONFIRMED',
      ...(confirmed ? {} : { code }),
      groups: [],
    });
    this.save();
    if (!confirmed) await this.deliverCode?.(email, code);
    return {
      UserConfirmed: confirmed,
      UserSub: sub,
      ...(confirmed
        ? {}
        : {
            CodeDeliveryDetails: {
              Destination: email.replace(/^(.).*@/, '$1***@'),
              DeliveryMedium: 'EMAIL',
              AttributeName: 'email',
            },
          }),
    };
  }

  async confirmSignUp(input: { ClientId?: string; Username?: string; ConfirmationCode?: string }) {
    const pool = this.pool(input.ClientId);
    const user = this.find(input.Username);
    if (!user) throw new CognitoError('UserNotFoundException', 'Username/client id combination not found.');
    if (user.status === 'CONFIRMED') {
      throw new CognitoError('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    }
    if (!user.code || input.ConfirmationCode !== user.code) {
      throw new CognitoError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    }
    // As in Cognito, the user is confirmed before the trigger runs, whatever it answers.
    user.status = 'CONFIRMED';
    delete user.code;
    this.save();
    await this.trigger('PostConfirmation', {
      version: '1',
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      region: pool.region,
      userPoolId: pool.userPoolId,
      userName: user.sub,
      callerContext: callerContext(pool.clientId),
      request: { userAttributes: this.attributes(user) },
      response: {},
    });
    return {};
  }

  private attributes(user: StoredUser) {
    return {
      sub: user.sub,
      email: user.email,
      email_verified: String(user.status === 'CONFIRMED'),
      'cognito:user_status': user.status,
    };
  }

  async initiateAuth(input: { AuthFlow?: string; ClientId?: string; AuthParameters?: Record<string, string> }) {
    const pool = this.pool(input.ClientId);
    if (input.AuthFlow !== 'USER_PASSWORD_AUTH') {
      throw new CognitoError('InvalidParameterException', 'The local user pool offers USER_PASSWORD_AUTH only.');
    }
    const user = this.find(input.AuthParameters?.USERNAME);
    if (!user || !passwordMatches(String(input.AuthParameters?.PASSWORD ?? ''), user.passwordHash)) {
      throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
    }
    if (user.status !== 'CONFIRMED') throw new CognitoError('UserNotConfirmedException', 'User is not confirmed.');
    const scopes = ['aws.cognito.signin.user.admin'];
    const result = await this.trigger('PreTokenGeneration', {
      version: pool.tokenEventVersion,
      triggerSource: 'TokenGeneration_Authentication',
      region: pool.region,
      userPoolId: pool.userPoolId,
      userName: user.sub,
      callerContext: callerContext(pool.clientId),
      request: {
        userAttributes: this.attributes(user),
        groupConfiguration: { groupsToOverride: [...user.groups], iamRolesToOverride: [], preferredRole: null },
        ...(pool.tokenEventVersion === '2' ? { scopes } : {}),
      },
      response:
        pool.tokenEventVersion === '2' ? { claimsAndScopeOverrideDetails: null } : { claimsOverrideDetails: null },
    });
    const details = result?.response?.claimsAndScopeOverrideDetails ?? {};
    const groups: string[] = details.groupOverrideDetails?.groupsToOverride ?? user.groups;
    const tokenClaims = (
      base: Record<string, unknown>,
      part?: { claimsToAddOrOverride?: object; claimsToSuppress?: string[] },
    ) => {
      const claims: Record<string, unknown> = { ...base, ...(part?.claimsToAddOrOverride ?? {}) };
      for (const name of part?.claimsToSuppress ?? []) delete claims[name];
      return claims;
    };
    const common = { sub: user.sub, ...(groups.length ? { 'cognito:groups': groups } : {}), iss: localIssuer };
    const idToken = signClaims(
      tokenClaims(
        {
          ...common,
          email_verified: true,
          'cognito:username': user.sub,
          aud: pool.clientId,
          token_use: 'id',
          email: user.email,
        },
        details.idTokenGeneration,
      ),
      { dataDir: this.dataDir },
    );
    const accessToken = signClaims(
      tokenClaims(
        { ...common, client_id: pool.clientId, token_use: 'access', scope: scopes.join(' '), username: user.sub },
        details.accessTokenGeneration,
      ),
      { dataDir: this.dataDir },
    );
    return {
      ChallengeParameters: {},
      AuthenticationResult: { IdToken: idToken, AccessToken: accessToken, ExpiresIn: 3600, TokenType: 'Bearer' },
    };
  }

  adminAddUserToGroup(input: { UserPoolId?: string; Username?: string; GroupName?: string }) {
    const pool = this.pool(undefined, input.UserPoolId);
    if (!pool.groups.includes(String(input.GroupName)))
      throw new CognitoError('ResourceNotFoundException', 'Group not found.');
    const user = this.find(input.Username);
    if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
    if (!user.groups.includes(input.GroupName!)) user.groups.push(input.GroupName!);
    this.save();
    return {};
  }

  /** What the service answers to X-Amz-Target AWSCognitoIdentityProviderService.<operation>. */
  async call(operation: string, input: Input): Promise<unknown> {
    switch (operation) {
      case 'SignUp':
        return this.signUp(input);
      case 'ConfirmSignUp':
        return this.confirmSignUp(input);
      case 'InitiateAuth':
        return this.initiateAuth(input);
      case 'AdminAddUserToGroup':
        return this.adminAddUserToGroup(input);
      default:
        throw new CognitoError('UnknownOperationException', `The local user pool does not offer ${operation}`);
    }
  }
}
