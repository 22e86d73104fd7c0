/**
 * Secrets Manager through Powertools Parameters: a secret's string, cached for a few minutes per
 * execution environment (so a rotation is picked up without a redeploy), client created only by
 * the functions that read one.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '../../observability';

export const secretMaxAgeSeconds = 300;

let provider: SecretsProvider | undefined;

export async function secretString(secretArn: string): Promise<string> {
  provider ??= new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) });
  const value = await provider.get(secretArn, { maxAge: secretMaxAgeSeconds });
  if (typeof value !== 'string' || value === '') throw new Error(`Secret ${secretArn} has no string value`);
  return value;
}
