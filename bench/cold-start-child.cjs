// One cold start, timed inside a fresh Node.js process as Lambda's runtime would see it: load the
// bundled handler (argv[2]) and serve one request (the event in argv[3]). Plain JavaScript, so
// nothing but the bundle is loaded in between. Prints one line: COLD-START {"importMs", "totalMs", …}.
/* global process, console */
const { readFileSync } = require('node:fs');

const [bundlePath, eventPath] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventPath, 'utf8'));
const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  logStreamName: '2026/12/03/[$LATEST]cold',
  getRemainingTimeInMillis: () => 10_000,
};

const start = process.hrtime.bigint();
const { handler } = require(bundlePath);
const loaded = process.hrtime.bigint();
handler(event, context).then(
  (result) => {
    const done = process.hrtime.bigint();
    const ms = (from, to) => Number(to - from) / 1e6;
    const line = { importMs: ms(start, loaded), totalMs: ms(start, done), statusCode: result?.statusCode ?? null };
    process.stdout.write(`\nCOLD-START ${JSON.stringify(line)}\n`);
    // Lambda freezes the process once the response is sent; open connections would keep it here.
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
