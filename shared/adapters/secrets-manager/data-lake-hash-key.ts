/**
 * The key stripPersonalData hashes user ids with (shared/clickstream/strip-personal-data.ts).
 *
 * Deployed, it is a string Secrets Manager generated when the stack was created
 * (DataLakeHashKeySecret, infra/resources/data-lake.yml), read through Powertools Parameters once
 * per execution environment and kept: the key never rotates, because a new key would give the
 * same shopper a new hash and split their history in the data lake in two.
 *
 * The local stack has no Secrets Manager, so on the `local` stage only, serverless.yml gives the
 * function the key itself in DATA_LAKE_HASH_KEY instead of the secret's ARN (as it gives the
 * local database's password in DATABASE_URL). Any other stage with that variable set is refused,
 * so a key in plain sight can never hash a real shop's users.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config, optionalConfig } from '../../config';
import { tracer } from '../../observability';

/** Long enough to mean "for the life of the execution environment": the key does not change. */
export const hashKeyMaxAgeSeconds = 24 * 60 * 60;

/** HMAC keys shorter than this are too easy to guess. */
const minimumKeyLength = 32;

export type HashKeySource = () => Promise<string>;

function checked(key: string, where: string): string {
  if (key.length < minimumKeyLength)
    throw new Error(`The clickstream hash key in ${where} is under ${minimumKeyLength} characters`);
  return key;
}

/** Decides at cold start where the key comes from, and fails then if nowhere. */
export function dataLakeHashKeySource(
  provider: () => SecretsProvider = () =>
    new SecretsProvider({ awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})) }),
): HashKeySource {
  const localKey = optionalConfig('dataLakeHashKey');
  if (localKey !== undefined) {
    if (config('stage') !== 'local')
      throw new Error(`DATA_LAKE_HASH_KEY is for the local stack only, not stage ${config('stage')}: use the secret`);
    const key = checked(localKey, 'DATA_LAKE_HASH_KEY');
    return () => Promise.resolve(key);
  }
  const secretArn = config('dataLakeHashKeySecretArn');
  const secrets = provider();
  return async () => {
    const key = await secrets.get(secretArn, { maxAge: hashKeyMaxAgeSeconds });
    if (typeof key !== 'string' || key === '') throw new Error(`Secret ${secretArn} holds no hash key`);
    return checked(key, secretArn);
  };
}
