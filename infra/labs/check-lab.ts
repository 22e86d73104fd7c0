/**
 * npm run lab -- <NN>…   (or --all)
 * npm run -s lab -- --env   (eval "$(npm run -s lab -- --env)" sets the variables in your shell)
 *
 * Runs the check block of each lab named (01, 02-s3-file-processor, docs/labs/02-….md) against the
 * stack `npm start` is running (its stack.json in .local/ or SHELF_DATA_DIR), the way the test
 * suite does, and says whether the lab's result holds; or prints the variables a check gets, for
 * the Steps' commands. docs/labs/README.md, "Running a lab".
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localDataDir } from '../local/data-dir';
import { checkBlock, labFiles, readLabPage, repoRoot, structureProblems } from './lab-pages';
import { checkEnvironment, labVariables, runCheck } from './run-lab-check';

/** A value the shell reads back as it is. */
const shellQuoted = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { all: { type: 'boolean', default: false }, env: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (values.env) {
    for (const [name, value] of Object.entries(labVariables(localDataDir())))
      console.log(`export ${name}=${shellQuoted(value)}`);
    return 0;
  }
  const files = labFiles();
  const chosen = values.all
    ? files
    : positionals.map((name) => {
        const number = /(?:^|\/)(\d{2})(?:-|$)/.exec(name)?.[1];
        const file = files.find((f) => f.split('/').at(-1)!.startsWith(`${number}-`));
        if (!number || !file) throw new Error(`No lab ${name}; the labs are: ${files.join(', ')}`);
        return file;
      });
  if (!chosen.length)
    throw new Error(`Name a lab (e.g. npm run lab -- 01) or --all; the labs are: ${files.join(', ')}`);

  const env = checkEnvironment(localDataDir());
  let failed = 0;
  for (const file of chosen) {
    const page = readLabPage(file);
    const problems = structureProblems(page);
    if (problems.length) throw new Error(`${file} does not follow the lab format: ${problems.join('; ')}`);
    console.log(`── ${file}: ${page.title}`);
    const name = file.split('/').at(-1)!.replace(/\.md$/, '');
    const run = await runCheck(checkBlock(page), {
      env,
      scriptFile: join(repoRoot, 'test-output', 'labs', `${name}.check.sh`),
      timeoutMs: 10 * 60_000,
      onOutput: (chunk) => process.stdout.write(chunk),
    });
    if (run.code === 0) {
      console.log(`✔ ${file}: its result holds`);
    } else {
      failed++;
      const how = run.timedOut ? 'timed out' : `exit ${run.code ?? run.signal}`;
      console.log(`✘ ${file}: its check failed (${how}); the script is in test-output/labs/${name}.check.sh`);
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
