// Each test here talks to real servers; a few need a whole stack start (about 15 s).
jest.setTimeout(120_000);
