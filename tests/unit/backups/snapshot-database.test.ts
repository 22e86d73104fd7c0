// The daily snapshots' function, fed AWS's sample scheduled event, with RDS mocked in both regions
// (aws-sdk-client-mock): each RDS call and its failure, a run repeated the same day, a deletion that
// fails while the others go on, the events it refuses, and the local stack, which has no RDS.
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  InvalidDBSnapshotStateFault,
  RDSServiceException,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, noRdsMessage } from '../../../services/backups/snapshot-database';
import { rdsIn } from '../../../shared/adapters/rds/client';
import { parseInstanceArn, RdsSnapshotStore } from '../../../shared/adapters/rds/snapshot-store';
import { metrics } from '../../../shared/observability';
import scheduleSample from '../../fixtures/events/eventbridge-scheduled-event.json';
import { lambdaContext } from '../../helpers/http-events';

// setup-env.ts: stack shelf-test, its instance in us-east-1, copies to us-west-2, kept 7 days.
const primary = mockClient(rdsIn('us-east-1'));
const dr = mockClient(rdsIn('us-west-2'));
jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

const instanceId = 'shelf-test-database-1a2b3c';
const now = new Date('2026-12-03T03:00:12Z');
const daily = (day: string, status = 'available'): DBSnapshot => ({
  DBSnapshotIdentifier: `shelf-test-daily-${day}`,
  DBInstanceIdentifier: instanceId,
  Status: status,
});
const run = (event: unknown = structuredClone(scheduleSample)) => handler(event, lambdaContext());
const rdsError = <E extends RDSServiceException>(
  Fault: new (options: { message: string; $metadata: object }) => E,
  message: string,
) => new Fault({ message, $metadata: {} });
const throttling = () =>
  new RDSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: {} });

function snapshotsIn(client: typeof primary, snapshots: DBSnapshot[]) {
  client.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
}

beforeEach(() => {
  jest.useFakeTimers({ now, advanceTimers: true });
  primary.reset();
  dr.reset();
  primary.on(CreateDBSnapshotCommand).resolves({});
  primary.on(DeleteDBSnapshotCommand).resolves({});
  dr.on(CopyDBSnapshotCommand).resolves({});
  dr.on(DeleteDBSnapshotCommand).resolves({});
});
afterEach(() => jest.useRealTimers());

describe('snapshotDatabase', () => {
  it("on AWS's sample scheduled event, snapshots the instance today and copies yesterday's to the second region", async () => {
    snapshotsIn(primary, [daily('2026-12-02')]);
    snapshotsIn(dr, []);

    const result = await run();

    expect(result).toEqual({
      snapshots: 'requested',
      actions: [
        { kind: 'create', snapshotId: 'shelf-test-daily-2026-12-03' },
        { kind: 'copy', snapshotId: 'shelf-test-daily-2026-12-02' },
      ],
    });
    // Both regions listed by the instance's identifier, its manual snapshots only.
    for (const client of [primary, dr]) {
      expect(client).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, {
        DBInstanceIdentifier: instanceId,
        SnapshotType: 'manual',
      });
    }
    expect(primary).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 1);
    expect(primary).toHaveReceivedCommandWith(CreateDBSnapshotCommand, {
      DBInstanceIdentifier: instanceId,
      DBSnapshotIdentifier: 'shelf-test-daily-2026-12-03',
    });
    // The copy is requested in the destination region, from the source's ARN, with a key of that region.
    expect(primary).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
    expect(dr.commandCalls(CopyDBSnapshotCommand).map((call) => call.args[0].input)).toEqual([
      {
        SourceDBSnapshotIdentifier: 'arn:aws:rds:us-east-1:123456789012:snapshot:shelf-test-daily-2026-12-02',
        TargetDBSnapshotIdentifier: 'shelf-test-daily-2026-12-02',
        KmsKeyId: 'alias/aws/rds',
        CopyTags: true,
      },
    ]);
    expect(primary).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
    expect(dr).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
  });

  it("makes no second snapshot when today's exists (a retried or repeated run)", async () => {
    snapshotsIn(primary, [daily('2026-12-03', 'creating'), daily('2026-12-02')]);
    snapshotsIn(dr, [daily('2026-12-02', 'copying')]);

    await expect(run()).resolves.toEqual({ snapshots: 'requested', actions: [] });
    expect(primary).not.toHaveReceivedCommand(CreateDBSnapshotCommand);
    expect(dr).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
  });

  it('lists every page of snapshots', async () => {
    primary
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [daily('2026-12-02')], Marker: 'page-2' })
      .resolvesOnce({ DBSnapshots: [daily('2026-12-03', 'creating')] });
    snapshotsIn(dr, [daily('2026-12-02')]);

    await expect(run()).resolves.toEqual({ snapshots: 'requested', actions: [] });
    expect(primary).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 2);
    expect(primary).toHaveReceivedNthCommandWith(2, DescribeDBSnapshotsCommand, { Marker: 'page-2' });
  });

  it('deletes what is past the retention in both regions, and nothing else', async () => {
    const snapshots = [daily('2026-12-02'), daily('2026-11-26'), daily('2026-11-25'), { ...daily('2026-11-01') }];
    snapshotsIn(primary, [daily('2026-12-03', 'creating'), ...snapshots]);
    snapshotsIn(dr, snapshots);

    await run();

    const deleted = (client: typeof primary) =>
      client.commandCalls(DeleteDBSnapshotCommand).map((call) => call.args[0].input.DBSnapshotIdentifier);
    expect(deleted(primary)).toEqual(['shelf-test-daily-2026-11-25', 'shelf-test-daily-2026-11-01']);
    expect(deleted(dr)).toEqual(['shelf-test-daily-2026-11-25', 'shelf-test-daily-2026-11-01']);
  });

  it('tries every other action when a deletion fails, then fails the invocation naming it (Lambda retries)', async () => {
    snapshotsIn(primary, [daily('2026-12-02'), daily('2026-11-02'), daily('2026-11-01')]);
    snapshotsIn(dr, [daily('2026-11-02'), daily('2026-11-01')]);
    primary
      .on(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'shelf-test-daily-2026-11-02' })
      .rejects(rdsError(InvalidDBSnapshotStateFault, 'Snapshot is being copied'));

    await expect(run()).rejects.toThrow(
      '1 snapshot action(s) failed: delete shelf-test-daily-2026-11-02 (primary): InvalidDBSnapshotStateFault: Snapshot is being copied',
    );
    expect(primary).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 1);
    expect(dr).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 1);
    expect(primary).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 2);
    // The newest available copy is kept however old (shared/backups/database-snapshots.ts).
    expect(dr).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
  });

  it.each([
    [
      'create',
      () => primary.on(CreateDBSnapshotCommand).rejects(throttling()),
      'create shelf-test-daily-2026-12-03: ThrottlingException: Rate exceeded',
    ],
    [
      'copy',
      () => dr.on(CopyDBSnapshotCommand).rejects(throttling()),
      'copy shelf-test-daily-2026-12-02: ThrottlingException: Rate exceeded',
    ],
    [
      'delete (second region)',
      () => dr.on(DeleteDBSnapshotCommand).rejects(throttling()),
      'delete shelf-test-daily-2026-11-01 (dr): ThrottlingException: Rate exceeded',
    ],
  ])('fails the invocation when a %s is throttled past the SDK’s own retries', async (_, fail, reason) => {
    snapshotsIn(primary, [daily('2026-12-02'), daily('2026-11-02')]);
    snapshotsIn(dr, [daily('2026-11-02'), daily('2026-11-01')]);
    fail();

    await expect(run()).rejects.toThrow(`1 snapshot action(s) failed: ${reason}`);
  });

  it.each([
    ['the stack region', primary],
    ['the second region', dr],
  ])('does nothing when %s cannot be listed', async (_, failing) => {
    snapshotsIn(primary, [daily('2026-12-02')]);
    snapshotsIn(dr, []);
    failing.on(DescribeDBSnapshotsCommand).rejects(throttling());

    await expect(run()).rejects.toThrow('Rate exceeded');
    expect(primary).not.toHaveReceivedCommand(CreateDBSnapshotCommand);
    expect(dr).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
  });

  it('counts a snapshot a concurrent run already made, copied or deleted as done', async () => {
    snapshotsIn(primary, [daily('2026-12-02'), daily('2026-11-02'), daily('2026-11-01')]);
    snapshotsIn(dr, [daily('2026-12-02', 'copying'), daily('2026-11-02')]);
    primary.on(CreateDBSnapshotCommand).rejects(rdsError(DBSnapshotAlreadyExistsFault, 'already exists'));
    primary.on(DeleteDBSnapshotCommand).rejects(rdsError(DBSnapshotNotFoundFault, 'not found'));

    await expect(run()).resolves.toMatchObject({ snapshots: 'requested' });

    dr.reset();
    snapshotsIn(dr, []);
    dr.on(CopyDBSnapshotCommand).rejects(rdsError(DBSnapshotAlreadyExistsFault, 'already exists'));
    await expect(run()).resolves.toMatchObject({ snapshots: 'requested' });
  });

  it.each([
    ['no event', null],
    ['an empty object', {}],
    ['an S3 notification', { Records: [{ eventSource: 'aws:s3' }] }],
    ['a scheduled event without its time', { ...structuredClone(scheduleSample), time: undefined }],
  ])('refuses %s, touching nothing', async (_, event) => {
    snapshotsIn(primary, []);
    snapshotsIn(dr, []);

    await expect(run(event)).rejects.toThrow('Not an EventBridge scheduled event');
    expect(primary).not.toHaveReceivedAnyCommand();
    expect(dr).not.toHaveReceivedAnyCommand();
  });
});

describe('snapshotDatabase without an instance (the local stack), or with a bad retention', () => {
  const handlerModule = '../../../services/backups/snapshot-database';
  const observabilityModule = '../../../shared/observability';

  it('says there is no RDS instance to snapshot, and calls nothing', async () => {
    let local: typeof handler | undefined;
    jest.isolateModules(() => {
      process.env.DB_INSTANCE_ARN = '';
      process.env.DR_REGION = '';
      try {
        const observability = jest.requireActual<typeof import('../../../shared/observability')>(observabilityModule);
        jest.spyOn(observability.metrics, 'publishStoredMetrics').mockImplementation(() => observability.metrics);
        ({ handler: local } =
          jest.requireActual<typeof import('../../../services/backups/snapshot-database')>(handlerModule));
      } finally {
        process.env.DB_INSTANCE_ARN = 'arn:aws:rds:us-east-1:123456789012:db:shelf-test-database-1a2b3c';
        process.env.DR_REGION = 'us-west-2';
      }
    });

    await expect(local!(structuredClone(scheduleSample), lambdaContext())).resolves.toEqual({
      snapshots: 'none',
      reason: noRdsMessage,
    });
    expect(primary).not.toHaveReceivedAnyCommand();
  });

  it.each(['0', '1.5', 'seven'])('refuses to start with a retention of %s days', (days) => {
    jest.isolateModules(() => {
      process.env.SNAPSHOT_RETENTION_DAYS = days;
      try {
        expect(() => jest.requireActual(handlerModule)).toThrow(
          'SNAPSHOT_RETENTION_DAYS must be a whole number of days, at least 1',
        );
      } finally {
        process.env.SNAPSHOT_RETENTION_DAYS = '7';
      }
    });
  });
});

describe('RdsSnapshotStore', () => {
  const target = { drRegion: 'us-west-2', drKmsKeyId: 'alias/aws/rds' };

  it('takes the instance from its ARN, and refuses anything else', () => {
    expect(parseInstanceArn('arn:aws-cn:rds:cn-north-1:123456789012:db:shelf-prod-db')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '123456789012',
      instanceId: 'shelf-prod-db',
    });
    expect(() => new RdsSnapshotStore(rdsIn, { ...target, instanceArn: 'shelf-prod-db' })).toThrow(
      'Not an RDS DB instance ARN: "shelf-prod-db"',
    );
  });

  it("refuses a disaster-recovery region that is the stack's own", () => {
    expect(
      () =>
        new RdsSnapshotStore(rdsIn, { ...target, drRegion: 'us-east-1', instanceArn: process.env.DB_INSTANCE_ARN! }),
    ).toThrow("The disaster-recovery region must not be the stack's own (us-east-1)");
  });
});
