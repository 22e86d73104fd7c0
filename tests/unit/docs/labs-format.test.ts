// Every workshop lab page (docs/labs/NN-*.md) follows the format docs/labs/README.md describes, and
// names only what the repo has: checked without a stack, so a malformed page fails in seconds rather
// than in tests/integration/labs.test.ts. The parser and the rules are infra/labs/lab-pages.ts; the
// made-up pages below show that each rule can fail.
import { readFileSync } from 'node:fs';
import {
  checkBlock,
  indexedLabs,
  labFiles,
  labsIndex,
  labSections,
  parseLabPage,
  readLabPage,
  referenceProblems,
  structureProblems,
} from '../../../infra/labs/lab-pages';

const files = labFiles();
const index = readFileSync(labsIndex, 'utf8');

/** A page in the format, with `edit` applied to its text. */
function madeUpPage(edit: (text: string) => string = (text) => text): string {
  return edit(
    [
      '# Lab 42: A made-up lab',
      '## Goal',
      'See it work ([Lambda](https://docs.aws.amazon.com/lambda/latest/dg/welcome.html)).',
      '## Where it lives',
      '- Handler: `services/health/get-health.ts`.',
      '```ts services/health/get-health.ts',
      "export const handler = httpRoute({}, () => Promise.resolve(ok({ status: 'ok', service: 'shelf', stage })));",
      '```',
      '## Steps',
      '1. `curl -s "$SHELF_API/health"`.',
      '## Check',
      '```check',
      'curl -sf "$SHELF_API/health" | jq -e \'.status == "ok"\'',
      '```',
      '## Try breaking it',
      'Nothing to break.',
      '## In AWS',
      'The same.',
      '## Clean up',
      'Nothing.',
      '',
    ].join('\n'),
  );
}

const problemsOf = (text: string) => {
  const page = parseLabPage('docs/labs/42-made-up.md', text);
  return [...structureProblems(page), ...referenceProblems(page)];
};

describe('the workshop lab pages', () => {
  it('exist, numbered in teaching order from 01', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(files.map((file) => file.split('/').at(-1)!.slice(0, 2))).toEqual(
      files.map((_, i) => String(i + 1).padStart(2, '0')),
    );
  });

  it.each(files)('%s follows the lab format', (file) => {
    expect(structureProblems(readLabPage(file))).toEqual([]);
  });

  it.each(files)('%s names only files the repo has, and quotes its code as it is', (file) => {
    expect(referenceProblems(readLabPage(file))).toEqual([]);
  });

  it.each(files)('%s is listed in docs/labs/README.md, by its title', (file) => {
    const name = file.split('/').at(-1)!;
    expect(indexedLabs(index)).toContain(name);
    // The index row says what the page's title says.
    const row = index.split('\n').find((line) => line.includes(`](${name})`))!;
    expect(row).toContain(readLabPage(file).title);
  });

  it('lists in the index only pages that exist, in order', () => {
    const names = files.map((file) => file.split('/').at(-1)!);
    expect(indexedLabs(index)).toEqual(names);
  });
});

describe('the lab format rules', () => {
  it('accept a page in the format', () => {
    expect(problemsOf(madeUpPage())).toEqual([]);
    expect(checkBlock(parseLabPage('docs/labs/42-made-up.md', madeUpPage()))).toContain('$SHELF_API/health');
  });

  it('refuse a page without a check block, or with two, saying so', () => {
    const none = madeUpPage((text) => text.replace('```check', '```sh'));
    const two = madeUpPage((text) => text.replace('## Try breaking it', '```check\ntrue\n```\n## Try breaking it'));

    expect(problemsOf(none)).toContain('has 0 ```check blocks; it needs exactly one');
    expect(problemsOf(two)).toContain('has 2 ```check blocks; it needs exactly one');
    expect(() => checkBlock(parseLabPage('docs/labs/42-made-up.md', two))).toThrow(
      'docs/labs/42-made-up.md has 2 ```check blocks (line 12, line 15); a lab has exactly one, under "## Check"',
    );
  });

  it('refuse a missing, an extra or a misplaced section, a missing title and a Goal without the guide', () => {
    expect(problemsOf(madeUpPage((text) => text.replace('## In AWS\nThe same.\n', '')))).toContain(
      'lacks the section(s) "## In AWS"',
    );
    expect(problemsOf(madeUpPage((text) => text.replace('## Clean up', '## Notes\n## Clean up')))).toContain(
      'has section(s) the format does not: "## Notes"',
    );
    expect(
      problemsOf(
        madeUpPage((text) =>
          text.replace('## Steps', '## Try breaking it').replace('## Try breaking it\nNothing', '## Steps\nNothing'),
        ),
      ),
    ).toEqual([expect.stringMatching(/^has its sections in the order Goal, Where it lives, Try breaking it/)]);
    expect(problemsOf(madeUpPage((text) => text.replace('# Lab 42:', '# Lab:')))).toContain(
      'its first heading is not "# Lab 42: <title>"',
    );
    expect(problemsOf(madeUpPage((text) => text.replace('docs.aws.amazon.com/lambda', 'example.com')))).toContain(
      'its Goal does not link the AWS Lambda developer guide (docs.aws.amazon.com/lambda/latest/dg/…)',
    );
  });

  it('refuse a check block outside "## Check" or using a variable checks are not given', () => {
    const moved = madeUpPage((text) =>
      text.replace('## Check\n', '').replace('## Try breaking it', '## Check\n## Try breaking it'),
    );
    expect(problemsOf(moved)).toContain('its check block (line 11) is not under "## Check"');
    expect(
      problemsOf(madeUpPage((text) => text.replace('curl -sf "$SHELF_API', 'curl -sf "$SHELF_DATABASE'))),
    ).toContain('its check block uses SHELF_DATABASE, which checks are not given');
  });

  it('refuse a page past its length', () => {
    const long = madeUpPage((text) => text.replace('Nothing.\n', `Nothing.\n${'\n'.repeat(150)}`));
    expect(problemsOf(long)).toContain(`is ${long.split('\n').length - 1} lines long; keep it under 160`);
  });

  it('refuse a file that is not there, a broken link and a quote that is not the repo’s code', () => {
    const moved = madeUpPage((text) =>
      text.replace('- Handler: `services/health/get-health.ts`', '- Handler: `services/health/health.ts`'),
    );
    expect(problemsOf(moved)).toEqual(['names `services/health/health.ts`, which does not exist']);

    const link = madeUpPage((text) => text.replace('Nothing to break.', 'See [the guide](../no-such-guide.md).'));
    expect(problemsOf(link)).toEqual(['links ../no-such-guide.md, which does not exist']);

    const edited = madeUpPage((text) => text.replace("status: 'ok'", "status: 'fine'"));
    expect(problemsOf(edited)).toEqual([
      expect.stringMatching(
        /^quotes services\/health\/get-health\.ts \(line 6\): ".*status: 'fine'.*" is not in the file$/,
      ),
    ]);

    const reordered = madeUpPage((text) =>
      text
        .replace('export const handler', "const stage = config('stage');\n…\nexport const handler")
        .replace('stage })));', "stage })));\nconst stage = config('stage');"),
    );
    expect(problemsOf(reordered)).toEqual([
      'quotes services/health/get-health.ts (line 6): "const stage = config(\'stage\');" is not in the file after the line before it',
    ]);
  });
});

describe('the labs index', () => {
  it('describes each section of the format, in order', () => {
    const described = [...index.matchAll(/^\d\. \*\*(.+?)\*\*/gm)].map((match) => match[1]);
    expect(described).toEqual([...labSections]);
  });
});
