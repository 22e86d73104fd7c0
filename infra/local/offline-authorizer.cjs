// serverless-offline require()s the module named by custom.offline.customAuthenticationProvider
// (serverless.yml); tsx lets that module be TypeScript like the rest of the repo.
const tsx = require('tsx/cjs/api');

module.exports = tsx.require('./offline-authorizer.ts', __filename).offlineAuthenticationProvider;
