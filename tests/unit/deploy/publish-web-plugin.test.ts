// The publishing plugin as the Serverless Framework loads it: through the CommonJS shim that
// serverless.yml lists, in a process of its own (jest resolves modules its own way).
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../../../infra/service-config';

function loadPlugin(): { hooks: string[]; name: string } {
  const script = `
    const Plugin = require('./infra/deploy/publish-web.cjs');
    const plugin = new Plugin({}, {}, { log: { notice() {}, error() {} } });
    console.log(JSON.stringify({ name: Plugin.name, hooks: Object.keys(plugin.hooks) }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8' }));
}

describe('the publish-web plugin', () => {
  it('loads through its shim and acts after `serverless deploy` only: package and offline never publish', () => {
    expect(loadPlugin()).toEqual({ name: 'PublishWebPlugin', hooks: ['after:deploy:deploy'] });
  });
});
