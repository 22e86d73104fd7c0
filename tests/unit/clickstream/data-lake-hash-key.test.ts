import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { dataLakeHashKeySource } from '../../../shared/adapters/secrets-manager/data-lake-hash-key';

const localKey = 'local-stack-only-data-lake-hash-key-not-a-secret';

function withEnv(values: Record<string, string | undefined>, run: () => void) {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const set = (entries: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(values);
  try {
    run();
  } finally {
    set(saved);
  }
}

const providerReturning = (value: unknown) => {
  const get = jest.fn().mockResolvedValue(value);
  return { provider: () => ({ get }) as unknown as SecretsProvider, get };
};

describe('the clickstream hash key', () => {
  it('comes from the secret named by DATA_LAKE_HASH_KEY_SECRET_ARN, cached for the execution environment', async () => {
    const { provider, get } = providerReturning('s'.repeat(64));

    const key = await dataLakeHashKeySource(provider)();

    expect(key).toBe('s'.repeat(64));
    expect(get).toHaveBeenCalledWith(process.env.DATA_LAKE_HASH_KEY_SECRET_ARN, { maxAge: 86_400 });
  });

  it('is refused when the secret holds too short a key', async () => {
    await expect(dataLakeHashKeySource(providerReturning('short').provider)()).rejects.toThrow(/under 32 characters/);
  });

  it('comes from DATA_LAKE_HASH_KEY on the local stage, without asking Secrets Manager', async () => {
    const { provider, get } = providerReturning('unused');
    let source = () => Promise.resolve('');
    withEnv({ STAGE: 'local', DATA_LAKE_HASH_KEY: localKey, DATA_LAKE_HASH_KEY_SECRET_ARN: '' }, () => {
      source = dataLakeHashKeySource(provider);
    });

    expect(await source()).toBe(localKey);
    expect(get).not.toHaveBeenCalled();
  });

  it('refuses DATA_LAKE_HASH_KEY on any other stage, at cold start', () => {
    withEnv({ STAGE: 'prod', DATA_LAKE_HASH_KEY: localKey }, () => {
      expect(() => dataLakeHashKeySource()).toThrow(/local stack only, not stage prod/);
    });
  });

  it('fails at cold start when neither the secret nor a local key is given', () => {
    withEnv({ DATA_LAKE_HASH_KEY: undefined, DATA_LAKE_HASH_KEY_SECRET_ARN: undefined }, () => {
      expect(() => dataLakeHashKeySource()).toThrow(/DATA_LAKE_HASH_KEY_SECRET_ARN is not set/);
    });
  });
});
