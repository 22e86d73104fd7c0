// What serverless.yml gives every function, so handler modules load as they do in Lambda.
process.env.STAGE = 'test';
process.env.CATALOG_TABLE = 'shelf-test-catalog';
process.env.CATALOG_HISTORY_TABLE = 'shelf-test-catalog-history';
process.env.DOMAIN_EVENT_BUS = 'shelf-test-domain-events';
process.env.IDEMPOTENCY_TABLE = 'shelf-test-idempotency';
process.env.DATABASE_URL = 'postgres://unit-tests-never-connect@127.0.0.1:1/none';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'unit';
process.env.AWS_SECRET_ACCESS_KEY = 'unit';
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.IMPORTS_TABLE = 'shelf-test-imports';
process.env.UPLOADS_BUCKET = 'shelf-test-uploads';
process.env.IMPORT_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/shelf-test-imports';
process.env.IMPORT_MAX_RECEIVES = '5';
process.env.CLICKSTREAM_STREAM_NAME = 'shelf-test-clickstream';
process.env.CLICKSTREAM_AGGREGATES_TABLE = 'shelf-test-clickstream-aggregates';
process.env.CLICKSTREAM_RATE_LIMITS_TABLE = 'shelf-test-clickstream-rate-limits';
process.env.CLICKSTREAM_RATE_LIMIT = '1000';
process.env.CLICKSTREAM_HASH_KEY_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:shelf-test-clickstream-hash-key-AbCdEf';
process.env.DATA_LAKE_HASH_KEY_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:shelf/test/data-lake-hash-key-AbCdEf';
process.env.REPORTS_BUCKET = 'shelf-test-reports';
process.env.ORDER_CONFIRMATION_TEMPLATE = 'shelf-test-order-confirmation';
process.env.MAIL_FROM = 'orders@example.com';
process.env.ERROR_DIGESTS_TABLE = 'shelf-test-error-digests';
process.env.OPS_ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:shelf-test-ops-alerts';
process.env.SIGN_UP_RATE_LIMITS_TABLE = 'shelf-test-sign-up-rate-limits';
process.env.SIGN_UPS_PER_DOMAIN_PER_HOUR = '20';
process.env.CREATE_CUSTOMER_FUNCTION = 'shelf-test-createCustomer';
