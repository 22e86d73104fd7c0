// Loaded by serverless-esbuild (serverless.yml, custom.esbuild.plugins): the esbuild plugins every
// function's bundle is built with. tsx lets them be TypeScript like the rest of the repo.
const tsx = require('tsx/cjs/api');

module.exports = tsx.require('./esbuild-plugins.ts', __filename).default;
