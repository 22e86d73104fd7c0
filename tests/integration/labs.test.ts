// Every workshop lab's check block (docs/labs/NN-*.md, the format in docs/labs/README.md) run against
// the integration tests' stack, as `npm run lab` runs it against `npm start`'s: bash -euo pipefail in
// the repo root, with the variables the index lists read from the stack's stack.json. A lab whose
// code moved fails here; its output says why. (tests/unit/docs/labs-format.test.ts checks the pages'
// structure without a stack.)
import { join } from 'node:path';
import { checkBlock, labFiles, readLabPage, repoRoot, structureProblems } from '../../infra/labs/lab-pages';
import { checkEnvironment, runCheck } from '../../infra/labs/run-lab-check';

/** A lab's check waits for asynchronous work (a file through the pipeline, a message's retries). */
const checkTimeoutMs = 8 * 60_000;

describe('the workshop labs, run against the stack', () => {
  it.each(labFiles())(
    '%s: its check block passes',
    async (file) => {
      const page = readLabPage(file);
      const problems = structureProblems(page);
      if (problems.length) throw new Error(`${file} does not follow the lab format:\n- ${problems.join('\n- ')}`);
      const script = checkBlock(page);
      const name = file.split('/').at(-1)!.replace(/\.md$/, '');
      const scriptFile = join(repoRoot, 'test-output', 'labs', `${name}.check.sh`);

      const run = await runCheck(script, {
        env: checkEnvironment(process.env.SHELF_TEST_DATA_DIR!),
        scriptFile,
        timeoutMs: checkTimeoutMs,
      });

      if (run.code !== 0) {
        const how = run.timedOut
          ? `was stopped after ${checkTimeoutMs / 60_000} minutes`
          : `exited ${run.code ?? run.signal}`;
        throw new Error(`${file}'s check ${how} (the script: ${scriptFile}). Its output:\n${run.output}`);
      }
      expect(run).toMatchObject({ code: 0, timedOut: false });
    },
    checkTimeoutMs + 60_000,
  );
});
