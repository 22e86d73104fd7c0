/**
 * DynamoDB on the local platform: DynamoDB Local (dynamodb-local.ts), its tables from
 * serverless.yml (tables.ts) with their streams, the functions' SDK pointed at it, and the
 * stream event source mappings (stream-reader.ts, stream-format.ts on lambda/stream-mappings.ts).
 */
import type { LocalService, StartedService } from '../local-service';
import { startDynamoDbLocal } from './dynamodb-local';
import { startStreamPollers } from '../../lambda/stream-mappings';
import { dynamoDbStreamFormat } from './stream-format';
import { DynamoDbStreamReader } from './stream-reader';
import { createTables } from './tables';

export interface DynamoDbStarted extends StartedService {
  endpoint: string;
}

export const dynamodb: LocalService<DynamoDbStarted, 'dynamodb'> = {
  name: 'dynamodb',
  defaultPort: 8000,
  async start({ port, dataDir, supervisor, fail, log }) {
    const endpoint = await startDynamoDbLocal(supervisor, port, dataDir, fail);
    log(`DynamoDB Local on ${endpoint}`);
    return { endpoint, functionEnv: { AWS_ENDPOINT_URL_DYNAMODB: endpoint } };
  },
  resourceTypes: ['AWS::DynamoDB::Table'],
  createResources: createTables,
  // Tables' streams → the functions' `stream: { type: dynamodb }` events, on the one stream poller.
  startTriggers(context) {
    const { started, region, credentials, log } = context;
    return Promise.resolve(
      startStreamPollers(context, {
        type: 'dynamodb',
        label: 'DynamoDB Streams',
        reader: (streamArn) =>
          DynamoDbStreamReader.forStream({ endpoint: started.endpoint, region, credentials, streamArn, log }),
        format: dynamoDbStreamFormat,
      }),
    );
  },
};
