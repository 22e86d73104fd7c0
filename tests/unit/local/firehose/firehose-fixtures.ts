// What the local Firehose's tests share: the data lake's delivery stream as the Firehose module
// reads infra/resources/data-lake.yml's declaration, the names in it, and a wait with a deadline.
import type { DeliveryStreamConfig } from '../../../../infra/local/aws/firehose/delivery-stream';

export const dataLakeBucket = 'shelf-local-data-lake-us-east-1-000000000000';
/** The Kinesis stream the data lake's delivery stream reads. */
export const clickstreamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/shelf-local-clickstream';
/** The delivery stream's transformation function, as Firehose names it (qualified). */
export const stripPersonalDataArn =
  'arn:aws:lambda:us-east-1:000000000000:function:shelf-local-stripPersonalData:$LATEST';

/** The data lake's delivery stream as infra/resources/data-lake.yml declares it, with a test's `overrides`. */
export function dataLakeStream(overrides: Partial<DeliveryStreamConfig> = {}): DeliveryStreamConfig {
  return {
    name: 'shelf-local-clickstream-to-data-lake',
    arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/shelf-local-clickstream-to-data-lake',
    sourceStreamArn: clickstreamArn,
    bucket: dataLakeBucket,
    prefix: 'clickstream/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
    errorOutputPrefix:
      'clickstream-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
    compression: 'GZIP',
    buffering: { sizeBytes: 64 * 1024 * 1024, intervalSeconds: 300 },
    processor: {
      functionKey: 'stripPersonalData',
      functionArn: stripPersonalDataArn,
      bufferSizeBytes: 1024 * 1024,
      bufferIntervalSeconds: 60,
      numberOfRetries: 3,
    },
    ...overrides,
  };
}

/** What `read` gives once it gives something (not undefined), polled; fails naming `what` after the deadline. */
export async function eventually<T>(read: () => T | undefined, what: string, deadlineMs = 5000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
