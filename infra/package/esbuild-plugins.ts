/**
 * esbuild plugins for every function's bundle (serverless.yml, custom.esbuild.plugins, loaded by
 * serverless-esbuild through esbuild-plugins.cjs; also by infra/package/function-bundles.ts).
 */
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * Two parts of the X-Ray SDK (which Powertools' tracer brings) that a Lambda function never runs,
 * though the SDK requires them at load time:
 * - its AWS SDK v2 patcher, with semver (~30 KiB minified): Shelf uses SDK v3 only
 *   (tracer.captureAWSv3Client), so the bundle gets a stand-in that fails loudly if v2 capture
 *   were ever called;
 * - centralized sampling (rule and target pollers asking the daemon, ~9 KiB): on Lambda the SDK
 *   switches to its local sampler at load (env/aws_lambda.js, disableCentralizedSampling), and the
 *   sampling decision is Lambda's, in the trace header. The local sampler stands in for it.
 */
export const xrayLambdaOnly: Plugin = {
  name: 'xray-lambda-only',
  setup(build) {
    const inXRaySdk = (importer: string) => /[\\/]aws-xray-sdk-core[\\/]/.test(importer);
    build.onResolve({ filter: /^\.\/patchers\/aws_p$/ }, ({ importer }) =>
      inXRaySdk(importer) ? { path: 'aws_p', namespace: 'xray-sdk-v2-patcher' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'xray-sdk-v2-patcher' }, () => ({
      contents:
        "const unsupported = () => { throw new Error('AWS SDK v2 capture is not bundled: Shelf traces SDK v3 clients'); };\n" +
        'module.exports = { captureAWS: unsupported, captureAWSClient: unsupported };',
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/sampling\/default_sampler$/ }, ({ importer, resolveDir }) =>
      inXRaySdk(importer) ? { path: join(resolveDir, 'sampling', 'local_sampler.js') } : undefined,
    );
  },
};

export default [xrayLambdaOnly];
