// Loaded by the Serverless Framework as a plugin (serverless.yml, plugins); tsx lets it be
// TypeScript like the rest of the repo. It acts after `serverless deploy` only (publish-web.ts).
const tsx = require('tsx/cjs/api');

module.exports = tsx.require('./publish-web.ts', __filename).default;
