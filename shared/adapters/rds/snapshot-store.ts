/**
 * The daily snapshots' RDS (shared/backups/database-snapshots.ts, SnapshotService): the stack's
 * instance's manual snapshots in its region and their copies in the disaster-recovery region.
 *
 * Each call is one RDS request that starts work and returns: RDS makes, copies and deletes
 * snapshots in the background, and the next run sees the outcome. What a concurrent or retried run
 * already did counts as done: a snapshot that already exists (create, copy) or no longer exists
 * (delete).
 *
 * The copy is requested in the destination region with the source snapshot's ARN; for an
 * encrypted snapshot (the stack's instance is encrypted) RDS also needs a URL presigned in the
 * source region, which the SDK's RDS middleware makes from the ARN's region with the same
 * credentials. Its KMS key must be one of the destination region: `alias/aws/rds` by default
 * (param drKmsKeyId, docs/disaster-recovery.md).
 */
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  paginateDescribeDBSnapshots,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { DbSnapshot, SnapshotService } from '../../backups/database-snapshots';

export interface SnapshotTarget {
  /** The stack's DB instance: `arn:<partition>:rds:<region>:<account>:db:<identifier>`. */
  instanceArn: string;
  /** Where the copies go; undefined: no copies. */
  drRegion: string | undefined;
  /** The KMS key the copies are encrypted with, in the disaster-recovery region. */
  drKmsKeyId: string;
}

interface InstanceArn {
  partition: string;
  region: string;
  account: string;
  instanceId: string;
}

/** The parts of an instance's ARN; a clear error for anything else. */
export function parseInstanceArn(arn: string): InstanceArn {
  const match = /^arn:([a-z-]+):rds:([a-z0-9-]+):(\d{12}):db:([a-z][a-z0-9-]*)$/.exec(arn);
  if (!match) throw new Error(`Not an RDS DB instance ARN: "${arn}"`);
  const [, partition = '', region = '', account = '', instanceId = ''] = match;
  return { partition, region, account, instanceId };
}

/** Errors that mean the work is already done (by a concurrent or an earlier run). */
const alreadyDone = { create: 'DBSnapshotAlreadyExistsFault', delete: 'DBSnapshotNotFoundFault' } as const;

async function unlessAlreadyDone(request: Promise<unknown>, errorName: string): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof Error && error.name === errorName)) throw error;
  }
}

export class RdsSnapshotStore implements SnapshotService {
  private readonly instance: InstanceArn;

  constructor(
    private readonly clientIn: (region: string) => RDSClient,
    private readonly target: SnapshotTarget,
  ) {
    this.instance = parseInstanceArn(target.instanceArn);
    if (target.drRegion === this.instance.region) {
      throw new Error(`The disaster-recovery region must not be the stack's own (${target.drRegion})`);
    }
  }

  async list(where: 'primary' | 'dr'): Promise<DbSnapshot[]> {
    const snapshots: DbSnapshot[] = [];
    // A copy keeps its source's instance identifier, so one filter finds the snapshots in both regions.
    const pages = paginateDescribeDBSnapshots(
      { client: this.clientIn(this.regionOf(where)) },
      { DBInstanceIdentifier: this.instance.instanceId, SnapshotType: 'manual' },
    );
    for await (const page of pages) {
      for (const { DBSnapshotIdentifier: id, Status: status } of page.DBSnapshots ?? []) {
        if (id && status) snapshots.push({ id, status });
      }
    }
    return snapshots;
  }

  async create(snapshotId: string): Promise<void> {
    await unlessAlreadyDone(
      this.clientIn(this.instance.region).send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: this.instance.instanceId,
          DBSnapshotIdentifier: snapshotId,
        }),
      ),
      alreadyDone.create,
    );
  }

  async copy(snapshotId: string): Promise<void> {
    await unlessAlreadyDone(
      this.clientIn(this.regionOf('dr')).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: this.snapshotArn(snapshotId),
          TargetDBSnapshotIdentifier: snapshotId,
          KmsKeyId: this.target.drKmsKeyId,
          CopyTags: true,
        }),
      ),
      alreadyDone.create,
    );
  }

  async delete(where: 'primary' | 'dr', snapshotId: string): Promise<void> {
    await unlessAlreadyDone(
      this.clientIn(this.regionOf(where)).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshotId })),
      alreadyDone.delete,
    );
  }

  private snapshotArn(snapshotId: string): string {
    const { partition, region, account } = this.instance;
    return `arn:${partition}:rds:${region}:${account}:snapshot:${snapshotId}`;
  }

  private regionOf(where: 'primary' | 'dr'): string {
    if (where === 'primary') return this.instance.region;
    if (!this.target.drRegion) throw new Error('No disaster-recovery region (param drRegion) to copy snapshots to');
    return this.target.drRegion;
  }
}
