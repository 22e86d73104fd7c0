/**
 * RDS clients, traced by X-Ray: one per region an execution environment calls, made once and kept.
 * The daily snapshots (services/backups/) call two: the stack's region, and the disaster-recovery
 * region, where a snapshot copy is started (CopyDBSnapshot runs in the destination region).
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { tracer } from '../../observability';

const clients = new Map<string, RDSClient>();

export function rdsIn(region: string): RDSClient {
  let client = clients.get(region);
  if (!client) {
    client = tracer.captureAWSv3Client(new RDSClient({ region }));
    clients.set(region, client);
  }
  return client;
}
