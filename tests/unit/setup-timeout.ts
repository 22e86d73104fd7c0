// `npm test` runs the unit tests beside the integration tests (tests/run-tests.ts): on a busy
// 2-core machine a test that starts a local server can take longer than jest's 5 s default.
jest.setTimeout(30_000);
