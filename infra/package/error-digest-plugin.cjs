// Loaded by the Serverless Framework as a plugin (serverless.yml, plugins); tsx lets it be
// TypeScript like the rest of the repo.
const tsx = require('tsx/cjs/api');

module.exports = tsx.require('./error-digest-subscriptions.ts', __filename).default;
