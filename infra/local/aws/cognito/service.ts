/**
 * Cognito user pools on the local platform (user-pool.ts): the pool serverless.yml declares, its
 * groups and app client, and its triggers (LambdaConfig) run through the local Lambda endpoint.
 * It speaks Cognito's JSON protocol (X-Amz-Target: AWSCognitoIdentityProviderService.<operation>),
 * so the functions' SDK call (AdminAddUserToGroup in postConfirmation) runs unchanged against it
 * through AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, and the local web app signs up and signs in
 * with the same calls. Confirmation codes are mailed through the local SES (its mailbox page).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { localAudience } from '../../local-issuer';
import { referencedFunctionKey } from '../../lambda/invoke';
import type { LocalResource } from '../../local-resources';
import { localAccountId } from '../../local-resources';
import type { LocalService, StartedService } from '../local-service';
import type { ServiceConfig } from '../../../service-config';
import { CognitoError, LocalUserPool, type PasswordPolicy, type TriggerName, type TriggerResult } from './user-pool';

export interface StartedCognito extends StartedService {
  endpoint: string;
  pool: LocalUserPool;
}

const localUserPoolId = (region: string) => `${region}_ShelfLocal`;
const targetPrefix = 'AWSCognitoIdentityProviderService.';
/** The part of AWS::Cognito::UserPool's properties the local pool reads. */
interface UserPoolProperties {
  Policies?: { PasswordPolicy?: PasswordPolicy };
  LambdaConfig?: LambdaConfig;
}
interface LambdaConfig {
  PreSignUp?: unknown;
  PostConfirmation?: unknown;
  PreTokenGeneration?: unknown;
  PreTokenGenerationConfig?: { LambdaArn?: unknown; LambdaVersion?: string };
}

const triggerKeys: Record<TriggerName, (config: LambdaConfig) => unknown> = {
  PreSignUp: (c) => c.PreSignUp,
  PostConfirmation: (c) => c.PostConfirmation,
  PreTokenGeneration: (c) => c.PreTokenGenerationConfig?.LambdaArn ?? c.PreTokenGeneration,
};

const lambdaConfigOf = (config: ServiceConfig): LambdaConfig =>
  (config.resources.Resources.UserPool?.Properties as UserPoolProperties | undefined)?.LambdaConfig ?? {};

const sampleFixtures: Record<TriggerName, string> = {
  PreSignUp: 'cognito-event-userpools-presignup.json',
  PostConfirmation: 'cognito-event-userpools-postconfirmation.json',
  PreTokenGeneration: 'cognito-event-userpools-pretokengen-v2.json',
};

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
  return parsed as Record<string, unknown>;
}

export const cognito: LocalService<StartedCognito, 'cognito'> = {
  name: 'cognito',
  defaultPort: 9229,

  async start({ port, dataDir, supervisor, log, webOrigins }) {
    mkdirSync(dataDir, { recursive: true });
    // The local issuer's key lives in the stack's data directory, this module's parent folder.
    const pool = new LocalUserPool(join(dataDir, 'users.json'), dirname(dataDir));
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const origin = request.headers.origin;
      // The web app calls SignUp, ConfirmSignUp and InitiateAuth from the browser, as Cognito allows.
      if (origin && webOrigins.includes(origin)) {
        response.setHeader('access-control-allow-origin', origin);
        response.setHeader('vary', 'origin');
      }
      if (request.method === 'OPTIONS') {
        response.writeHead(204, {
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers':
            'content-type, x-amz-target, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request',
          'access-control-max-age': '600',
        });
        return void response.end();
      }
      const reply = (status: number, body: unknown, type?: string) => {
        response.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          ...(type ? { 'x-amzn-errortype': type } : {}),
        });
        response.end(JSON.stringify(body));
      };
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || !target.startsWith(targetPrefix)) {
        return reply(
          400,
          {
            __type: 'UnknownOperationException',
            message: 'POST with X-Amz-Target AWSCognitoIdentityProviderService.<operation>',
          },
          'UnknownOperationException',
        );
      }
      const operation = target.slice(targetPrefix.length);
      // Admin operations are IAM-authorized (SigV4-signed by the SDK with the function's role);
      // the browser's unsigned calls may only sign up and sign in, as in Cognito.
      if (operation.startsWith('Admin') && !request.headers.authorization?.startsWith('AWS4-HMAC-SHA256')) {
        const type = 'MissingAuthenticationTokenException';
        return reply(400, { __type: type, message: 'Missing Authentication Token' }, type);
      }
      readBody(request)
        .then(
          (input) => pool.call(operation, input),
          () => {
            throw new CognitoError('SerializationException', 'The body is not a JSON object');
          },
        )
        .then(
          (output) => reply(200, output),
          (error: Error) =>
            error instanceof CognitoError
              ? reply(400, { __type: error.type, message: error.message }, error.type)
              : reply(500, { __type: 'InternalErrorException', message: error.message }, 'InternalErrorException'),
        );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    supervisor.add(
      'Cognito user pool',
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    log(`Cognito user pool (local) on ${endpoint}`);
    return { endpoint, pool, functionEnv: { AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoint } };
  },

  resourceTypes: ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolGroup'],

  createResources(declared, { started, region }) {
    const created = new Map<string, LocalResource>();
    const pools = declared.filter(([, r]) => r.Type === 'AWS::Cognito::UserPool');
    if (pools.length !== 1)
      throw new Error(`The local platform runs one user pool; serverless.yml declares ${pools.length}`);
    const [poolId, poolResource] = pools[0]!;
    const props = (poolResource.Properties ?? {}) as UserPoolProperties;
    // Cognito's ids look like us-east-1_AbC123: the region, then the pool's own part.
    const userPoolId = localUserPoolId(region);
    created.set(poolId, {
      type: 'AWS::Cognito::UserPool',
      ref: userPoolId,
      arn: `arn:aws:cognito-idp:${region}:${localAccountId}:userpool/${userPoolId}`,
    });
    const groups: string[] = [];
    for (const [id, resource] of declared) {
      if (resource.Type === 'AWS::Cognito::UserPoolGroup') {
        const name = String((resource.Properties as { GroupName?: string }).GroupName);
        groups.push(name);
        created.set(id, { type: resource.Type, ref: name });
      }
      // The app client's id is the local issuer's audience: the authorizer checks tokens' aud against it.
      if (resource.Type === 'AWS::Cognito::UserPoolClient')
        created.set(id, { type: resource.Type, ref: localAudience });
    }
    const lambdaConfig = props.LambdaConfig ?? {};
    started.pool.settings = {
      userPoolId,
      clientId: localAudience,
      region,
      passwordPolicy: props.Policies?.PasswordPolicy ?? {},
      groups,
      triggers: (Object.keys(triggerKeys) as TriggerName[]).filter(
        (name) => triggerKeys[name](lambdaConfig) !== undefined,
      ),
      tokenEventVersion: lambdaConfig.PreTokenGenerationConfig?.LambdaVersion === 'V2_0' ? '2' : '1',
    };
    return Promise.resolve(created);
  },

  // `npm run invoke -- preSignUp` (and the other two): AWS's sample for the trigger, with the
  // local pool's id and region; the token trigger gets the V2 event it is declared with.
  sampleEvent({ config, region, functionKey, declared, fixture }) {
    if (declared) return undefined;
    const lambdaConfig = lambdaConfigOf(config);
    const trigger = (Object.keys(triggerKeys) as TriggerName[]).find(
      (name) => referencedFunctionKey(triggerKeys[name](lambdaConfig), config) === functionKey,
    );
    if (!trigger) return undefined;
    const event = fixture(sampleFixtures[trigger]) as Record<string, unknown>;
    return { ...event, region, userPoolId: localUserPoolId(region) };
  },

  startTriggers({ config, started, invoke, endpoints, region, credentials }) {
    const lambdaConfig = lambdaConfigOf(config);
    const functionOf = Object.fromEntries(
      (Object.keys(triggerKeys) as TriggerName[]).flatMap((name) => {
        const key = referencedFunctionKey(triggerKeys[name](lambdaConfig), config);
        return key ? [[name, key]] : [];
      }),
    ) as Partial<Record<TriggerName, string>>;
    started.pool.runTrigger = async (trigger, event) => {
      const functionKey = functionOf[trigger];
      if (!functionKey) throw new Error(`no function for ${trigger}`);
      const { functionError, payload } = await invoke(functionKey, event);
      if (functionError) throw new Error((payload as { errorMessage?: string } | null)?.errorMessage ?? functionError);
      return payload as TriggerResult;
    };
    const ses = new SESv2Client({ endpoint: endpoints.ses, region, credentials });
    started.pool.deliverCode = async (email, code) => {
      await ses.send(
        new SendEmailCommand({
          // Cognito's own sender, when the pool sends with its default e-mail configuration.
          FromEmailAddress: 'no-reply@verificationemail.com',
          Destination: { ToAddresses: [email] },
          Content: {
            Simple: {
              Subject: { Data: 'Your verification code' },
              Body: { Text: { Data: `Your verification code is ${code}. ` } },
            },
          },
        }),
      );
    };
    return Promise.resolve({
      sources: Object.entries(functionOf).map(([trigger, fn]) => `Cognito UserPool ${trigger} → ${fn}`),
      idle: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    });
  },
};
