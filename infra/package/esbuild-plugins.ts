/**
 * esbuild plugins for every function's bundle (serverless.yml, custom.esbuild.plugins, loaded by
 * serverless-esbuild through esbuild-plugins.cjs; also by infra/package/function-bundles.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * zod's `z` is a namespace object re-exported by name: `import { z } from 'zod'` makes esbuild keep
 * every export of zod (~350 KiB minified), while `import * as z from 'zod'` lets it keep only what
 * the code uses. Shelf's own files import the namespace; this rewrites the Powertools parser's
 * schemas, which import `{ z }`, the same way.
 */
export const zodNamespaceImports: Plugin = {
  name: 'zod-namespace-imports',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-lambda-powertools[\\/]parser[\\/].*\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      return {
        contents: source.replace(/import\s*\{\s*z\s*\}\s*from\s*(['"])zod\1;/g, "import * as z from 'zod';"),
        loader: 'js',
      };
    });
  },
};

/**
 * The X-Ray SDK that Powertools' tracer brings requires its AWS SDK v2 patcher (and semver, ~30 KiB
 * minified) at load time. Shelf uses SDK v3 only (tracer.captureAWSv3Client), so the bundle gets a
 * stand-in that fails loudly if v2 capture were ever called.
 */
export const withoutXRaySdkV2Patcher: Plugin = {
  name: 'without-xray-sdk-v2-patcher',
  setup(build) {
    build.onResolve({ filter: /^\.\/patchers\/aws_p$/ }, ({ importer }) =>
      /[\\/]aws-xray-sdk-core[\\/]/.test(importer) ? { path: 'aws_p', namespace: 'xray-sdk-v2-patcher' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'xray-sdk-v2-patcher' }, () => ({
      contents:
        "const unsupported = () => { throw new Error('AWS SDK v2 capture is not bundled: Shelf traces SDK v3 clients'); };\n" +
        'module.exports = { captureAWS: unsupported, captureAWSClient: unsupported };',
      loader: 'js',
    }));
  },
};

export default [zodNamespaceImports, withoutXRaySdkV2Patcher];
