/**
 * Publishes the web app to its stack: builds frontend/ with Vite, uploads the files to the web
 * bucket with their Content-Type and Cache-Control, writes config.json from the stack's outputs,
 * deletes what the build no longer has, and invalidates what CloudFront may hold of the previous
 * build (publish-plan.ts decides, publish-aws.ts does).
 *
 * Runs two ways:
 *   - as a Serverless plugin (serverless.yml, plugins: ./infra/deploy/publish-web.cjs), after
 *     `serverless deploy` with the deploy's credentials and region; `serverless package` and
 *     `serverless offline` never reach its hook;
 *   - by hand, to publish again without deploying, with the default AWS credentials:
 *       npm run publish:web -- --stage <stage> [--region R] [--dir <built app>] [--prune-assets]
 */
import { parseArgs } from 'node:util';
import { loadServiceConfig } from '../service-config';
import { buildAndPublish, type AwsAccess } from './publish-aws';

/** The parts of the framework the plugin uses. */
interface Serverless {
  getProvider(name: 'aws'): {
    getAwsSdkV3Config(): Promise<AwsAccess>;
    getStage(): string;
    naming: { getStackName(): string };
  };
}

interface PluginUtils {
  log: { notice(message: string): void; error(message: string): void };
}

/** The Serverless plugin: publishes after each `serverless deploy`, with the deploy's credentials and region. */
export default class PublishWebPlugin {
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(
    private readonly serverless: Serverless,
    _options: unknown,
    private readonly utils?: PluginUtils,
  ) {
    // Only `deploy` has this event: package, offline, print, info and remove never reach it.
    this.hooks = { 'after:deploy:deploy': () => this.publish() };
  }

  private async publish(): Promise<void> {
    const provider = this.serverless.getProvider('aws');
    const { region, credentials } = await provider.getAwsSdkV3Config();
    const stackName = provider.naming.getStackName();
    const log = (message: string) => (this.utils ? this.utils.log.notice(message) : console.log(message));
    try {
      await buildAndPublish({ access: { region, credentials }, stackName, log });
    } catch (error) {
      throw new Error(
        `The stack ${stackName} is deployed, but its web app was not published: ${(error as Error).message}\n` +
          `Publish it again with: npm run publish:web -- --stage ${provider.getStage()} --region ${region}`,
        { cause: error },
      );
    }
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      dir: { type: 'string' },
      'prune-assets': { type: 'boolean', default: false },
    },
  });
  if (!values.stage)
    throw new Error('Usage: npm run publish:web -- --stage <stage> [--region R] [--dir D] [--prune-assets]');
  if (values.stage === 'local')
    throw new Error('The local stack serves the app itself (npm start): nothing to publish.');
  const config = await loadServiceConfig(values.stage);
  const stackName = (config.provider.stackName as string | undefined) ?? `${config.service}-${values.stage}`;
  const region = values.region ?? config.provider.region;
  await buildAndPublish({
    access: { region },
    stackName,
    dir: values.dir,
    pruneAssets: values['prune-assets'],
    log: (message) => console.log(message),
  });
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
