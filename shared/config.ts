/**
 * The one place that reads the environment. Each adapter asks for what it needs when its module
 * loads, so a function with a missing variable fails at cold start with a clear message instead
 * of on the first request that happens to need it.
 */
const variables = {
  stage: 'STAGE',
  catalogTable: 'CATALOG_TABLE',
  catalogHistoryTable: 'CATALOG_HISTORY_TABLE',
  domainEventBus: 'DOMAIN_EVENT_BUS',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  databaseUrl: 'DATABASE_URL',
  databaseSecretArn: 'DATABASE_SECRET_ARN',
  importsTable: 'IMPORTS_TABLE',
  uploadsBucket: 'UPLOADS_BUCKET',
  importQueueUrl: 'IMPORT_QUEUE_URL',
  importMaxReceives: 'IMPORT_MAX_RECEIVES',
  clickstreamStream: 'CLICKSTREAM_STREAM_NAME',
  clickstreamAggregatesTable: 'CLICKSTREAM_AGGREGATES_TABLE',
  clickstreamRateLimitsTable: 'CLICKSTREAM_RATE_LIMITS_TABLE',
  clickstreamRateLimit: 'CLICKSTREAM_RATE_LIMIT',
  clickstreamHashKeySecretArn: 'CLICKSTREAM_HASH_KEY_SECRET_ARN',
  dataLakeHashKeySecretArn: 'DATA_LAKE_HASH_KEY_SECRET_ARN',
  dataLakeHashKey: 'DATA_LAKE_HASH_KEY',
  reportsBucket: 'REPORTS_BUCKET',
  orderConfirmationTemplate: 'ORDER_CONFIRMATION_TEMPLATE',
  mailFrom: 'MAIL_FROM',
  // Set by Lambda itself in every function's environment.
  region: 'AWS_REGION',
  opsAlertsTopicArn: 'OPS_ALERTS_TOPIC_ARN',
  errorDigestsTable: 'ERROR_DIGESTS_TABLE',
  inboundMailBucket: 'INBOUND_MAIL_BUCKET',
  restockSuppliers: 'RESTOCK_SUPPLIERS',
  restockMailAddress: 'RESTOCK_MAIL_ADDRESS',
  queueNamePrefix: 'QUEUE_NAME_PREFIX',
  queueAgeMetrics: 'QUEUE_AGE_METRICS',
  stateMachineArns: 'STATE_MACHINE_ARNS',
  stackName: 'STACK_NAME',
  dbInstanceArn: 'DB_INSTANCE_ARN',
  drRegion: 'DR_REGION',
  drKmsKeyId: 'DR_KMS_KEY_ID',
  snapshotRetentionDays: 'SNAPSHOT_RETENTION_DAYS',
  signUpRateLimitsTable: 'SIGN_UP_RATE_LIMITS_TABLE',
  signUpsPerDomainPerHour: 'SIGN_UPS_PER_DOMAIN_PER_HOUR',
  createCustomerFunction: 'CREATE_CUSTOMER_FUNCTION',
} as const;

export type ConfigKey = keyof typeof variables;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function config(key: ConfigKey): string {
  const name = variables[key];
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`Environment variable ${name} is not set (config key "${key}")`);
  }
  return value;
}

/** A setting that may be absent or empty (e.g. DATABASE_SECRET_ARN on the local stack). */
export function optionalConfig(key: ConfigKey): string | undefined {
  const value = process.env[variables[key]];
  return value === undefined || value.trim() === '' ? undefined : value;
}
