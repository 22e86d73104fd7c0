// Publishing the web app, the decisions only: no AWS, no files.
import {
  contentTypeFor,
  invalidationPaths,
  planDeletions,
  planUploads,
  runtimeConfig,
  webStackOutputKeys,
  webStackOutputs,
} from '../../../infra/deploy/publish-plan';
import { asCloudFormation, stackOutputs } from './publish-fixtures';

describe('webStackOutputs', () => {
  it('picks the outputs publishing needs from all of the stack’s', () => {
    const outputs = webStackOutputs(
      [...asCloudFormation(stackOutputs), { OutputKey: 'HttpApiId', OutputValue: 'abc123' }],
      'shelf-sandbox',
    );

    expect(outputs).toEqual(stackOutputs);
  });

  it('names every output the stack lacks', () => {
    const { WebBucketName: _bucket, UserPoolDomainUrl: _domain, ...rest } = stackOutputs;

    expect(() => webStackOutputs(asCloudFormation(rest), 'shelf-sandbox')).toThrow(
      'Stack shelf-sandbox has no output WebBucketName, UserPoolDomainUrl',
    );
    expect(() => webStackOutputs(undefined, 'shelf-sandbox')).toThrow(webStackOutputKeys.join(', '));
  });
});

describe('runtimeConfig (config.json)', () => {
  it('points the app at the HTTP API and the Cognito hosted UI, without trailing slashes', () => {
    const config = runtimeConfig({
      ...stackOutputs,
      HttpApiUrl: `${stackOutputs.HttpApiUrl}/`,
      UserPoolDomainUrl: `${stackOutputs.UserPoolDomainUrl}/`,
    });

    expect(config).toEqual({
      apiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
      auth: {
        mode: 'cognito',
        domain: 'https://shelf-sandbox-123456789012.auth.us-east-1.amazoncognito.com',
        clientId: '1example23456789',
      },
    });
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['config.json', 'application/json; charset=utf-8'],
    ['assets/index-B1a2c3d4.js', 'text/javascript; charset=utf-8'],
    ['assets/index-B1a2c3d4.js.map', 'application/json; charset=utf-8'],
    ['assets/index-D5e6f7a8.css', 'text/css; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
    ['assets/inter-latin.woff2', 'font/woff2'],
    ['assets/logo-0a1b2c3d.png', 'image/png'],
    ['LICENSE', 'application/octet-stream'],
  ])('%s is %s', (key, type) => {
    expect(contentTypeFor(key)).toBe(type);
  });
});

describe('planUploads', () => {
  const config = runtimeConfig(stackOutputs);
  const build = ['index.html', 'favicon.svg', 'assets/index-B1a2c3d4.js', 'assets/index-D5e6f7a8.css', 'config.json'];

  it('uploads the hashed assets first, then the other files and config.json, and index.html last', () => {
    const phases = planUploads(build, config);

    expect(phases.map((phase) => phase.map((u) => u.key))).toEqual([
      ['assets/index-B1a2c3d4.js', 'assets/index-D5e6f7a8.css'],
      ['favicon.svg', 'config.json'],
      ['index.html'],
    ]);
  });

  it('caches hashed assets for a year and makes everything else revalidate', () => {
    const uploads = planUploads(build, config).flat();
    const cacheControl = Object.fromEntries(uploads.map((u) => [u.key, u.cacheControl]));

    expect(cacheControl).toEqual({
      'assets/index-B1a2c3d4.js': 'public, max-age=31536000, immutable',
      'assets/index-D5e6f7a8.css': 'public, max-age=31536000, immutable',
      'favicon.svg': 'no-cache',
      'config.json': 'no-cache',
      'index.html': 'no-cache',
    });
    expect(Object.fromEntries(uploads.map((u) => [u.key, u.contentType]))).toMatchObject({
      'index.html': 'text/html; charset=utf-8',
      'config.json': 'application/json; charset=utf-8',
      'assets/index-B1a2c3d4.js': 'text/javascript; charset=utf-8',
    });
  });

  it("writes the deployed config.json, never the build's own", () => {
    const uploads = planUploads(build, config).flat();

    const configUpload = uploads.find((u) => u.key === 'config.json')!;
    expect('text' in configUpload.source && JSON.parse(configUpload.source.text)).toEqual(config);
    expect(uploads.filter((u) => u.key === 'config.json')).toHaveLength(1);
    expect(uploads.find((u) => u.key === 'index.html')!.source).toEqual({ file: 'index.html' });
  });

  it('refuses a build without index.html', () => {
    expect(() => planUploads(['assets/index-B1a2c3d4.js'], config)).toThrow('The build has no index.html');
  });
});

describe('planDeletions', () => {
  const existing = [
    'index.html',
    'config.json',
    'robots.txt',
    'assets/index-OLD00000.js',
    'assets/index-B1a2c3d4.js',
    'old/page.html',
  ];
  const published = ['index.html', 'config.json', 'assets/index-B1a2c3d4.js'];

  it('deletes the files the new build no longer has, but keeps earlier builds’ assets', () => {
    expect(planDeletions(existing, published)).toEqual(['old/page.html', 'robots.txt']);
  });

  it('deletes earlier builds’ assets too when asked to prune them', () => {
    expect(planDeletions(existing, published, { pruneAssets: true })).toEqual([
      'assets/index-OLD00000.js',
      'old/page.html',
      'robots.txt',
    ]);
  });

  it('deletes nothing from a bucket holding only the new build', () => {
    expect(planDeletions(published, published, { pruneAssets: true })).toEqual([]);
  });
});

describe('invalidationPaths', () => {
  it('are the revalidated entry points, the root included, and no asset', () => {
    expect([...invalidationPaths]).toEqual(['/', '/index.html', '/config.json']);
  });
});
