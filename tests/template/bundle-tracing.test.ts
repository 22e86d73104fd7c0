/**
 * The esbuild plugins (infra/package/esbuild-plugins.ts) leave parts of the X-Ray SDK out of every
 * bundle. This checks that a bundled handler still traces as on Lambda: run in a Lambda-like
 * environment with a sampled trace id, it sends its `## handler` subsegment (with its annotations)
 * and its DynamoDB call's subsegment to the X-Ray daemon address, here a UDP socket of the test's.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundle, loadFunctionBundling } from '../../infra/package/function-bundles';
import { httpEvent } from '../helpers/http-events';

interface Segment {
  name: string;
  trace_id?: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string; table_name?: string };
}

describe('a bundled handler with tracing on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shelf-bundle-tracing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends its handler and DynamoDB subsegments to the X-Ray daemon', async () => {
    const { functions, options } = await loadFunctionBundling();
    const getProduct = functions.find((fn) => fn.name === 'getProduct')!;
    writeFileSync(join(dir, 'handler.js'), (await bundle(options, getProduct.entry)).code);
    const event = httpEvent({ method: 'GET', route: '/products/{sku}', pathParameters: { sku: 'TEA-EARL-GREY' } });
    writeFileSync(join(dir, 'event.json'), JSON.stringify(event));

    const daemon = createSocket('udp4');
    const received: Segment[] = [];
    // Each datagram is a header line, then the segment document.
    daemon.on('message', (message) => received.push(JSON.parse(message.toString().split('\n')[1]!) as Segment));
    daemon.bind(0, '127.0.0.1');
    await once(daemon, 'listening');
    try {
      // Invokes once, then waits for the datagrams to leave before exiting.
      const script =
        "const { handler } = require('./handler.js');" +
        "const event = require('./event.json');" +
        "handler(event, { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10000 })" +
        '.then((r) => { console.log(r.statusCode); setTimeout(() => process.exit(0), 300); });';
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          STAGE: 'dev',
          CATALOG_TABLE: 'shelf-dev-catalog',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          // Nothing listens there: the call fails at once, and its subsegment records the fault.
          AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
          AWS_MAX_ATTEMPTS: '1',
          AWS_LAMBDA_FUNCTION_NAME: 'shelf-dev-getProduct',
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
          AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
          LAMBDA_TASK_ROOT: dir,
          _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
          AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
          POWERTOOLS_SERVICE_NAME: 'shelf',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        },
      });
      expect(stdout.trim().split('\n').at(-1)).toBe('500');
      const deadline = Date.now() + 5000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      daemon.close();
    }

    const handler = received.find((segment) => segment.name === '## handler');
    expect(handler?.trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(handler?.annotations).toEqual({ ColdStart: true, Service: 'shelf', route: 'GET /products/{sku}' });
    const dynamodb = received.find((segment) => segment.name === 'DynamoDB');
    expect(dynamodb?.aws).toMatchObject({ operation: 'GetItem', table_name: 'shelf-dev-catalog' });
  });
});
