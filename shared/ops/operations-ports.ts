/**
 * What the operations endpoint reads, as ports: the database's schema, the stack's queues, their
 * oldest messages' age and the workflows' failures. Adapters: shared/adapters/postgres/migrator.ts
 * (migrationStatus), shared/adapters/sqs/queue-monitor.ts, shared/adapters/cloudwatch/queue-ages.ts,
 * and workflow-failures.ts here.
 */

/** The schema against the migrations this code ships with. */
export interface SchemaStatus {
  /** Rows in schema_migrations. */
  applied: number;
  /** Shipped, not applied yet. */
  pending: string[];
  /** Applied, then edited: the file's checksum differs from the applied one. */
  changed: string[];
  /** Applied, but not shipped with this code: the database is ahead of it (a rolled-back deploy). */
  unknown: string[];
}

export interface SchemaProbe {
  /** Rejects when the database cannot be reached. */
  schemaStatus(signal: AbortSignal): Promise<SchemaStatus>;
}

/** One queue as SQS counts it (the Approximate* attributes). */
export interface QueueCounts {
  name: string;
  arn: string;
  /** ApproximateNumberOfMessages: waiting to be received. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, not deleted yet (being worked on). */
  inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  delayed: number;
  /** Where its RedrivePolicy moves a message received too often, if it has one. */
  deadLetterTargetArn?: string;
}

export interface QueueMonitor {
  /** Every queue of the stack; rejects when SQS cannot be asked. */
  queues(signal: AbortSignal): Promise<QueueCounts[]>;
}

/** ApproximateAgeOfOldestMessage by queue name, or why there are no figures. */
export type OldestMessageAges =
  { available: true; source: string; seconds: Map<string, number | null> } | { available: false; reason: string };

export interface QueueAgeSource {
  oldestMessageAges(queueNames: string[], now: Date, signal: AbortSignal): Promise<OldestMessageAges>;
}

/** Failed executions of the stack's state machines in the last hour, or why there is no count. */
export type WorkflowFailures =
  | { declared: true; failedInLastHour: number; stateMachines: { arn: string; failed: number }[] }
  /** State machines exist, but their failures cannot be counted here (no CloudWatch locally). */
  | { declared: true; failedInLastHour: null; reason: string }
  | { declared: false; failedInLastHour: null; reason: string };

export interface WorkflowMonitor {
  failuresSince(since: Date, signal: AbortSignal): Promise<WorkflowFailures>;
}

export interface OperationsPorts {
  schema: SchemaProbe;
  queues: QueueMonitor;
  ages: QueueAgeSource;
  workflows: WorkflowMonitor;
}
