// Packaging with the Serverless Framework and running the validators takes tens of seconds.
jest.setTimeout(240_000);
