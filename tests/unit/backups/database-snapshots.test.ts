// The daily database snapshots' plan: create today's once, copy what is available and not yet in
// the disaster-recovery region, delete what is past the retention but the newest available one,
// and never touch a snapshot that is not the stack's own daily one.
import {
  dailySnapshotId,
  planSnapshots,
  runSnapshots,
  type DbSnapshot,
  type SnapshotService,
} from '../../../shared/backups/database-snapshots';

const policy = { stackName: 'shelf-prod', retentionDays: 7, copyToDr: true };
const now = new Date('2026-12-03T03:00:12Z');
const daily = (day: string, status = 'available'): DbSnapshot => ({ id: `shelf-prod-daily-${day}`, status });

describe('planSnapshots', () => {
  it("names today's snapshot by the stack and the UTC day", () => {
    expect(dailySnapshotId('shelf-prod', new Date('2026-12-31T23:59:59Z'))).toBe('shelf-prod-daily-2026-12-31');
  });

  it("creates today's snapshot, and copies yesterday's, available now, to the disaster-recovery region", () => {
    expect(planSnapshots(policy, now, [daily('2026-12-02')], [])).toEqual([
      { kind: 'create', snapshotId: 'shelf-prod-daily-2026-12-03' },
      { kind: 'copy', snapshotId: 'shelf-prod-daily-2026-12-02' },
    ]);
  });

  it('does nothing twice on a repeated run: today’s exists, the copy is under way', () => {
    const primary = [daily('2026-12-03', 'creating'), daily('2026-12-02')];
    expect(planSnapshots(policy, now, primary, [daily('2026-12-02', 'copying')])).toEqual([]);
  });

  it('copies every available snapshot a failed run left uncopied, but none still being made', () => {
    const primary = [daily('2026-12-03', 'creating'), daily('2026-12-02'), daily('2026-12-01'), daily('2026-11-30')];
    expect(planSnapshots(policy, now, primary, [daily('2026-11-30')])).toEqual([
      { kind: 'copy', snapshotId: 'shelf-prod-daily-2026-12-02' },
      { kind: 'copy', snapshotId: 'shelf-prod-daily-2026-12-01' },
    ]);
  });

  it('deletes the snapshots older than the retention in both regions', () => {
    const kept = ['2026-12-03', '2026-12-02', '2026-11-26'].map((day) => daily(day));
    const old = ['2026-11-25', '2026-11-01'].map((day) => daily(day));
    expect(planSnapshots(policy, now, [...kept, ...old], [...kept, ...old])).toEqual([
      { kind: 'delete', where: 'primary', snapshotId: 'shelf-prod-daily-2026-11-25' },
      { kind: 'delete', where: 'primary', snapshotId: 'shelf-prod-daily-2026-11-01' },
      { kind: 'delete', where: 'dr', snapshotId: 'shelf-prod-daily-2026-11-25' },
      { kind: 'delete', where: 'dr', snapshotId: 'shelf-prod-daily-2026-11-01' },
    ]);
  });

  it('keeps the newest available snapshot of a region however old, should the daily ones have stopped', () => {
    const primary = [daily('2026-12-03', 'failed'), daily('2026-10-02'), daily('2026-10-01')];
    expect(planSnapshots(policy, now, primary, [daily('2026-10-02'), daily('2026-10-01')])).toEqual([
      { kind: 'delete', where: 'primary', snapshotId: 'shelf-prod-daily-2026-10-01' },
      { kind: 'delete', where: 'dr', snapshotId: 'shelf-prod-daily-2026-10-01' },
    ]);
  });

  it("never touches a snapshot that is not the stack's own daily one", () => {
    const others = [
      { id: 'rds:shelf-prod-database-2026-10-01-03-10', status: 'available' },
      { id: 'shelf-prod-database-final-snapshot', status: 'available' },
      { id: 'shelf-staging-daily-2026-10-01', status: 'available' },
      { id: 'shelf-prod-daily-before-migration', status: 'available' },
    ];
    expect(planSnapshots(policy, now, [daily('2026-12-03'), ...others], [daily('2026-12-03'), ...others])).toEqual([]);
  });

  it('copies nothing without a disaster-recovery region, and still deletes what is past the retention', () => {
    const primary = [daily('2026-12-02'), daily('2026-11-25'), daily('2026-11-01')];
    expect(planSnapshots({ ...policy, copyToDr: false }, now, primary, [])).toEqual([
      { kind: 'create', snapshotId: 'shelf-prod-daily-2026-12-03' },
      { kind: 'delete', where: 'primary', snapshotId: 'shelf-prod-daily-2026-11-25' },
      { kind: 'delete', where: 'primary', snapshotId: 'shelf-prod-daily-2026-11-01' },
    ]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a retention of %s days', (retentionDays) => {
    expect(() => planSnapshots({ ...policy, retentionDays }, now, [], [])).toThrow(
      'retentionDays must be a whole number of days, at least 1',
    );
  });
});

describe('runSnapshots', () => {
  function fakeService(primary: DbSnapshot[], dr: DbSnapshot[], failing: Partial<Record<string, Error>> = {}) {
    const calls: string[] = [];
    const call = (what: string) => {
      calls.push(what);
      const error = failing[what];
      return error ? Promise.reject(error) : Promise.resolve();
    };
    const service: SnapshotService = {
      list: (where) => Promise.resolve(where === 'primary' ? primary : dr),
      create: (id) => call(`create ${id}`),
      copy: (id) => call(`copy ${id}`),
      delete: (where, id) => call(`delete ${where} ${id}`),
    };
    return { service, calls };
  }

  it('does every action of the plan, and reports the one that failed without stopping the others', async () => {
    const { service, calls } = fakeService([daily('2026-12-02'), daily('2026-11-01')], [daily('2026-11-01')], {
      'copy shelf-prod-daily-2026-12-02': Object.assign(new Error('Quota exceeded'), {
        name: 'SnapshotQuotaExceededFault',
      }),
    });

    const run = await runSnapshots(service, policy, now);

    expect(calls).toEqual([
      'create shelf-prod-daily-2026-12-03',
      'copy shelf-prod-daily-2026-12-02',
      'delete primary shelf-prod-daily-2026-11-01',
    ]);
    expect(run.failed).toEqual([
      {
        action: { kind: 'copy', snapshotId: 'shelf-prod-daily-2026-12-02' },
        reason: 'SnapshotQuotaExceededFault: Quota exceeded',
      },
    ]);
  });

  it('never lists the disaster-recovery region when there is none', async () => {
    const { service } = fakeService([daily('2026-12-02')], []);
    const list = jest.spyOn(service, 'list');

    const run = await runSnapshots(service, { ...policy, copyToDr: false }, now);

    expect(list.mock.calls).toEqual([['primary']]);
    expect(run.actions).toEqual([{ kind: 'create', snapshotId: 'shelf-prod-daily-2026-12-03' }]);
  });

  it('does nothing when a region cannot be listed', async () => {
    const { service, calls } = fakeService([], []);
    service.list = () => Promise.reject(new Error('AccessDenied'));

    await expect(runSnapshots(service, policy, now)).rejects.toThrow('AccessDenied');
    expect(calls).toEqual([]);
  });
});
