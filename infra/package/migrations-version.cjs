// Resolved by the Serverless Framework for `${file(infra/package/migrations-version.cjs)}`
// (infra/resources/migrations.yml): a JS file that exports a function is called, and the variable
// takes what it returns. tsx lets the code be TypeScript like the rest of the repo.
const tsx = require('tsx/cjs/api');

module.exports = () => tsx.require('./migrations-hash.ts', __filename).migrationsVersion();
