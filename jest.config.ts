// Three projects, all run by `npm test`: unit (no network), integration (against the local stack
// that global-setup.ts starts), template (its global-setup.ts packages serverless.yml offline, once;
// the tests check the template).
import type { Config } from 'jest';

const tsJest: Config['transform'] = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

const config: Config = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
      transform: tsJest,
      setupFiles: ['<rootDir>/tests/unit/setup-env.ts'],
      setupFilesAfterEnv: ['aws-sdk-client-mock-jest', '<rootDir>/tests/unit/setup-timeout.ts'],
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      transform: tsJest,
      globalSetup: '<rootDir>/tests/integration/global-setup.ts',
      globalTeardown: '<rootDir>/tests/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/tests/integration/setup-timeout.ts'],
    },
    {
      displayName: 'template',
      testMatch: ['<rootDir>/tests/template/**/*.test.ts'],
      transform: tsJest,
      globalSetup: '<rootDir>/tests/template/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/tests/template/setup-timeout.ts'],
    },
  ],
};

export default config;
