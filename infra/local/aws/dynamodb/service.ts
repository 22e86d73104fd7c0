/**
 * DynamoDB on the local platform: DynamoDB Local (dynamodb-local.ts), its tables from
 * serverless.yml (tables.ts), and the functions' SDK pointed at it.
 */
import type { LocalService, StartedService } from '../local-service';
import { startDynamoDbLocal } from './dynamodb-local';
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
};
