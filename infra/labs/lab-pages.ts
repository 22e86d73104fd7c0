/**
 * The workshop labs' pages (docs/labs/NN-<integration>.md, the format in docs/labs/README.md):
 * reading one, and what is wrong with one. tests/unit/docs/labs-format.test.ts checks every page
 * with these, without a stack; tests/integration/labs.test.ts and `npm run lab` run each page's
 * check block (run-lab-check.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const labsDir = join(repoRoot, 'docs', 'labs');
export const labsIndex = join(labsDir, 'README.md');

/** The sections of a lab, in this order (/work/shared/LABS.md; docs/labs/README.md). */
export const labSections = [
  'Goal',
  'Where it lives',
  'Steps',
  'Check',
  'Try breaking it',
  'In AWS',
  'Clean up',
] as const;

/** A page may run a little over the ~150 lines the format asks for, not further. */
export const maxLabLines = 160;

/** What a check block may use from its environment (run-lab-check.ts sets them). */
export const checkVariables = ['SHELF_STACK', 'SHELF_API', 'SHELF_WEB', 'SHELF_LAMBDA', 'SHELF_DATA_DIR'] as const;

const labFileName = /^(\d{2})-[a-z0-9-]+\.md$/;

export interface CodeBlock {
  /** The info string's first word: `check`, `sh`, `ts`, `yaml`… */
  lang: string;
  /** The info string's second word: the repo file the block quotes, when it quotes one. */
  quotes?: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `## ` section the block is in. */
  section?: string;
}

export interface LabPage {
  /** Repo-relative path, e.g. docs/labs/01-http-api.md. */
  file: string;
  number: string;
  /** From the page's `# Lab NN: <title>` line. */
  title?: string;
  lineCount: number;
  /** The `## ` headings, in order. */
  sections: string[];
  /** Each section's text (fences included), by heading. */
  sectionText: Map<string, string>;
  codeBlocks: CodeBlock[];
  /** Targets of the page's Markdown links. */
  links: string[];
  /** Backticked text outside code blocks (file paths among it). */
  inlineCode: string[];
}

/** docs/labs/NN-*.md, in teaching order (repo-relative paths). */
export function labFiles(dir = labsDir): string[] {
  return readdirSync(dir)
    .filter((name) => labFileName.test(name))
    .sort()
    .map((name) => relative(repoRoot, join(dir, name)));
}

export function parseLabPage(file: string, text: string): LabPage {
  const lines = text.split('\n');
  const page: LabPage = {
    file,
    number: labFileName.exec(file.split('/').at(-1)!)?.[1] ?? '',
    lineCount: text.endsWith('\n') ? lines.length - 1 : lines.length,
    sections: [],
    sectionText: new Map(),
    codeBlocks: [],
    links: [],
    inlineCode: [],
  };
  let section: string | undefined;
  let fence: { marker: string; block: CodeBlock; body: string[] } | undefined;
  lines.forEach((line, index) => {
    if (section !== undefined) page.sectionText.set(section, `${page.sectionText.get(section) ?? ''}${line}\n`);
    if (fence) {
      const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (closing && closing[1]![0] === fence.marker[0] && closing[1]!.length >= fence.marker.length) {
        page.codeBlocks.push({ ...fence.block, body: fence.body.join('\n') });
        fence = undefined;
      } else fence.body.push(line);
      return;
    }
    const opening = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)\s*([^`\s]*)/.exec(line);
    if (opening) {
      const [, marker, lang, quotes] = opening;
      const block: CodeBlock = { lang: lang!, body: '', line: index + 1, section, ...(quotes ? { quotes } : {}) };
      fence = { marker: marker!, block, body: [] };
      return;
    }
    const title = /^# Lab (\d{2}): (.+)$/.exec(line);
    if (title && page.title === undefined && title[1] === page.number) page.title = title[2]!.trim();
    const heading = /^## (.+?)\s*$/.exec(line);
    if (heading) {
      section = heading[1]!;
      page.sections.push(section);
      page.sectionText.set(section, '');
    }
    for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) page.links.push(match[1]!);
    for (const match of line.matchAll(/`([^`]+)`/g)) page.inlineCode.push(match[1]!);
  });
  // An unclosed fence is a block that runs to the end of the page, as Markdown renders it.
  if (fence) page.codeBlocks.push({ ...fence.block, body: fence.body.join('\n') });
  return page;
}

export function readLabPage(file: string): LabPage {
  return parseLabPage(file, readFileSync(join(repoRoot, file), 'utf8'));
}

/** The page's one check block, or an error saying why there is not exactly one. */
export function checkBlock(page: LabPage): string {
  const checks = page.codeBlocks.filter((block) => block.lang === 'check');
  if (checks.length !== 1) {
    const where = checks.map((block) => `line ${block.line}`).join(', ');
    throw new Error(
      `${page.file} has ${checks.length} \`\`\`check blocks${where ? ` (${where})` : ''}; a lab has exactly one, under "## Check"`,
    );
  }
  return checks[0]!.body;
}

/** What the sections and the check block of a page break of the format (no files are read). */
export function structureProblems(page: LabPage): string[] {
  const problems: string[] = [];
  if (page.title === undefined) problems.push(`its first heading is not "# Lab ${page.number}: <title>"`);
  const missing = labSections.filter((section) => !page.sections.includes(section));
  if (missing.length) problems.push(`lacks the section(s) ${missing.map((s) => `"## ${s}"`).join(', ')}`);
  const extra = page.sections.filter((section) => !(labSections as readonly string[]).includes(section));
  if (extra.length) problems.push(`has section(s) the format does not: ${extra.map((s) => `"## ${s}"`).join(', ')}`);
  if (!missing.length && !extra.length && page.sections.join('\n') !== labSections.join('\n')) {
    problems.push(
      `has its sections in the order ${page.sections.join(', ')}; the format's is ${labSections.join(', ')}`,
    );
  }
  const checks = page.codeBlocks.filter((block) => block.lang === 'check');
  if (checks.length !== 1) {
    problems.push(`has ${checks.length} \`\`\`check blocks; it needs exactly one`);
  } else {
    const [check] = checks;
    if (check!.section !== 'Check') problems.push(`its check block (line ${check!.line}) is not under "## Check"`);
    if (!check!.body.trim()) problems.push('its check block is empty');
    const unknown = [...new Set([...check!.body.matchAll(/\$\{?(SHELF_[A-Z_]+)/g)].map((m) => m[1]!))].filter(
      (name) => !(checkVariables as readonly string[]).includes(name),
    );
    if (unknown.length) problems.push(`its check block uses ${unknown.join(', ')}, which checks are not given`);
  }
  if (!/docs\.aws\.amazon\.com\/lambda\/latest\/dg\//.test(page.sectionText.get('Goal') ?? '')) {
    problems.push('its Goal does not link the AWS Lambda developer guide (docs.aws.amazon.com/lambda/latest/dg/…)');
  }
  if (page.lineCount > maxLabLines) problems.push(`is ${page.lineCount} lines long; keep it under ${maxLabLines}`);
  return problems;
}

/** Repo paths named in backticks: `services/imports/functions.yml`, `shared/imports/`. */
const repoPath = /^(?:services|shared|infra|tests|docs|frontend|bench)\/[\w./-]*$/;

/** What the page says about the repo that is not so: links, file names and quoted code. */
export function referenceProblems(page: LabPage): string[] {
  const problems: string[] = [];
  const pageDir = dirname(join(repoRoot, page.file));
  for (const link of page.links) {
    if (/^[a-z]+:/i.test(link) || link.startsWith('#')) continue;
    const target = resolve(pageDir, decodeURI(link.split('#')[0]!));
    if (!existsSync(target)) problems.push(`links ${link}, which does not exist`);
  }
  for (const code of page.inlineCode) {
    if (repoPath.test(code) && !existsSync(join(repoRoot, code)))
      problems.push(`names \`${code}\`, which does not exist`);
  }
  for (const block of page.codeBlocks.filter((b) => b.quotes !== undefined)) {
    const problem = quoteProblem(block);
    if (problem) problems.push(`quotes ${block.quotes} (line ${block.line}): ${problem}`);
  }
  return problems;
}

/** An elision inside a quote: `…`, `# …`, `// …`. */
const elision = /^(?:#|\/\/)?\s*…$/;

/**
 * Why a quoted block is not the repo's code, or undefined: every line of the block (trimmed;
 * elisions skipped) must be a line of the file, in the same order.
 */
export function quoteProblem(block: CodeBlock): string | undefined {
  const path = join(repoRoot, block.quotes!);
  if (!existsSync(path)) return 'no such file';
  const fileLines = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim());
  let at = 0;
  for (const line of block.body.split('\n').map((l) => l.trim())) {
    if (!line || elision.test(line)) continue;
    const found = fileLines.indexOf(line, at);
    if (found === -1)
      return `"${line}" is not in the file${fileLines.includes(line) ? ' after the line before it' : ''}`;
    at = found + 1;
  }
  return undefined;
}

/** The lab files the index (docs/labs/README.md) links, in its order. */
export function indexedLabs(indexText: string): string[] {
  return [...indexText.matchAll(/\]\((\d{2}-[a-z0-9-]+\.md)\)/g)].map((match) => match[1]!);
}
