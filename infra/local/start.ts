/**
 * npm start: runs the whole shop locally until Ctrl-C. Ports can be moved with SHELF_*_PORT
 * variables (one per part: ports.ts) and the data directory (default .local/) with SHELF_DATA_DIR
 * (see README); DATABASE_URL points it at your own PostgreSQL instead of the embedded one.
 */
import { localDataDir } from './data-dir';
import { portsFromEnv } from './ports';
import { startShelf } from './start-shelf';
import { Supervisor } from './supervisor';

async function main() {
  const ports = portsFromEnv();
  const supervisor = new Supervisor();
  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) {
      console.log('Stopping at once.');
      supervisor.killAll();
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${reason}; stopping Shelf…`);
    await supervisor.stopAll();
    console.log('Shelf stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('Ctrl-C', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));

  console.log('Starting Shelf locally…');
  const shelf = await startShelf({
    ports,
    dataDir: localDataDir(),
    supervisor,
    log: (line) => console.log(line),
    // The functions' logs (Powertools JSON) follow the start-up lines.
    onFunctionOutput: (chunk) => process.stdout.write(chunk),
    // Fault injection: a proxy in front of DynamoDB Local for the functions only (see start-shelf.ts).
    functionsDynamoDbEndpoint: process.env.SHELF_FUNCTIONS_DYNAMODB_ENDPOINT,
  });
  shelf.crashed.catch((error: Error) => {
    console.error(`\n${error.message}`);
    void stop('A part of the stack failed', 1);
  });
  // As during the start (startShelf), an error raised outside any part stops every part, rather
  // than ending this process alone and leaving the detached ones running.
  const unexpected = (error: unknown) => {
    console.error('\nUnexpected error:', error);
    void stop('An unexpected error', 1);
  };
  process.on('uncaughtException', unexpected);
  process.on('unhandledRejection', unexpected);

  console.log(
    `\nShelf is running: web ${shelf.webUrl}  API ${shelf.apiUrl}  (try ${shelf.apiUrl}/products; token: npm run token -- --role admin)`,
  );
}

main().catch((error: Error) => {
  console.error(`\nShelf could not start: ${error.message}`);
  process.exit(1);
});
