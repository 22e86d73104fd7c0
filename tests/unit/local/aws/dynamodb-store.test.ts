// Where DynamoDB Local keeps its tables (dynamoDbStore, infra/local/aws/dynamodb/dynamodb-local.ts):
// on tmpfs behind a link in the data directory, kept across starts, started afresh for a new data
// directory.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamoDbStore } from '../../../../infra/local/aws/dynamodb/dynamodb-local';

let scratch: string;
let tmpfs: string;
let workDir: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'shelf-dynamodb-store-'));
  tmpfs = join(scratch, 'shm');
  workDir = join(scratch, 'data', 'dynamodb');
  mkdirSync(tmpfs);
});

afterEach(() => rmSync(scratch, { recursive: true, force: true }));

it('keeps the tables on tmpfs behind a link in the data directory, and finds them again on the next start', () => {
  const store = dynamoDbStore(workDir, tmpfs, 0);

  expect(store.startsWith(`${tmpfs}/shelf-dynamodb-`)).toBe(true);
  expect(lstatSync(workDir).isSymbolicLink()).toBe(true);
  expect(readlinkSync(workDir)).toBe(store);
  writeFileSync(join(store, 'shared-local-instance.db'), 'tables');

  expect(dynamoDbStore(workDir, tmpfs, 0)).toBe(store);
  expect(existsSync(join(store, 'shared-local-instance.db'))).toBe(true);
});

it('starts the tables afresh when the data directory was removed, whatever tmpfs still holds', () => {
  const store = dynamoDbStore(workDir, tmpfs, 0);
  writeFileSync(join(store, 'shared-local-instance.db'), 'old tables');
  rmSync(join(scratch, 'data'), { recursive: true });

  expect(dynamoDbStore(workDir, tmpfs, 0)).toBe(store);
  expect(existsSync(join(store, 'shared-local-instance.db'))).toBe(false);
});

it('keeps the tables in the data directory when there is no tmpfs, or too little room in it', () => {
  expect(dynamoDbStore(workDir, join(scratch, 'no-such-tmpfs'), 0)).toBe(workDir);
  expect(lstatSync(workDir).isDirectory()).toBe(true);
  expect(dynamoDbStore(workDir, tmpfs, Number.MAX_SAFE_INTEGER)).toBe(workDir);
});
