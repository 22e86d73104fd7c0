// Tests, scripts and the local stack run on the Lambda runtime's Node.js major (the `node`
// devDependency puts it first on npm scripts' PATH), so what passes here runs in nodejs24.x.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('toolchain', () => {
  it('runs on Node.js 24, the major version of the nodejs24.x Lambda runtime', () => {
    expect(process.version).toMatch(/^v24\./);
  });

  it('declares the same runtime in serverless.yml', () => {
    const serverlessYml = readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8');
    expect(serverlessYml).toMatch(/^\s+runtime: nodejs24\.x$/m);
    expect(serverlessYml).toMatch(/^\s+architecture: arm64$/m);
  });
});
