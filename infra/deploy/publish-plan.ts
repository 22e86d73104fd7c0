/**
 * What publishing the web app means, decided without AWS: which stack outputs it needs, the
 * config.json they make, which object goes under which key with which headers and in what order,
 * what to delete afterwards and what to invalidate. infra/deploy/publish-web.ts carries it out.
 */
import { contentType, lookup } from 'mime-types';
import type { RuntimeConfig } from '../../frontend/src/runtime-config';
import { cacheControlFor } from '../web/cache-control';

/** The stack outputs publishing reads (infra/resources/web.yml, auth.yml; HttpApiUrl is the framework's). */
export const webStackOutputKeys = [
  'WebBucketName',
  'WebDistributionId',
  'WebUrl',
  'HttpApiUrl',
  'UserPoolClientId',
  'UserPoolDomainUrl',
] as const;

export type WebStackOutputs = Record<(typeof webStackOutputKeys)[number], string>;

/** The outputs publishing needs, or an error naming every one the stack lacks. */
export function webStackOutputs(
  outputs: readonly { OutputKey?: string; OutputValue?: string }[] | undefined,
  stackName: string,
): WebStackOutputs {
  const values = new Map((outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const missing = webStackOutputKeys.filter((key) => !values.get(key));
  if (missing.length) {
    throw new Error(`Stack ${stackName} has no output ${missing.join(', ')}: is it deployed from this serverless.yml?`);
  }
  return Object.fromEntries(webStackOutputKeys.map((key) => [key, values.get(key)!])) as WebStackOutputs;
}

/** /config.json for the deployed app (frontend/src/runtime-config.ts): the API and Cognito's hosted UI. */
export function runtimeConfig(outputs: WebStackOutputs): RuntimeConfig {
  return {
    apiUrl: outputs.HttpApiUrl.replace(/\/+$/, ''),
    auth: {
      mode: 'cognito',
      domain: outputs.UserPoolDomainUrl.replace(/\/+$/, ''),
      clientId: outputs.UserPoolClientId,
    },
  };
}

export const configKey = 'config.json';
export const indexKey = 'index.html';

export interface PlannedUpload {
  key: string;
  contentType: string;
  cacheControl: string;
  /** A file of the build (its path relative to the build folder), or generated text. */
  source: { file: string } | { text: string };
}

/** Content-Type by file name, with charset=utf-8 for text; unknown kinds are octet-stream. */
export function contentTypeFor(key: string): string {
  const type = lookup(key);
  return (type && contentType(type)) || 'application/octet-stream';
}

function upload(key: string, source: PlannedUpload['source']): PlannedUpload {
  return { key, contentType: contentTypeFor(key), cacheControl: cacheControlFor(key), source };
}

/**
 * The uploads, in phases to run one after the other (the uploads within a phase may run at once):
 * first the content-hashed assets/, then the other files and config.json, and index.html last.
 * index.html names the assets, so a viewer who gets the new one finds them already there.
 * `files` are the build's paths relative to its folder, with forward slashes. The build's own
 * config.json, if it had one, is replaced by the deployed one.
 */
export function planUploads(files: readonly string[], config: RuntimeConfig): PlannedUpload[][] {
  const keys = [...new Set(files.map((file) => file.replace(/^\/+/, '')))].sort();
  if (!keys.includes(indexKey)) throw new Error(`The build has no ${indexKey}: is it the web app's build?`);
  const assets = keys.filter((key) => key.startsWith('assets/'));
  const others = keys.filter((key) => !key.startsWith('assets/') && key !== indexKey && key !== configKey);
  return [
    assets.map((key) => upload(key, { file: key })),
    [...others.map((key) => upload(key, { file: key })), upload(configKey, { text: `${JSON.stringify(config)}\n` })],
    [upload(indexKey, { file: indexKey })],
  ].filter((phase) => phase.length > 0);
}

export interface DeletionOptions {
  /** Delete earlier builds' assets/ too. By default they are kept (see planDeletions). */
  pruneAssets?: boolean;
}

/**
 * The objects to delete once the new build is up: those it no longer has. Earlier builds' assets/
 * are kept unless `pruneAssets`: a page loaded before the deploy still has the old index.html,
 * whose scripts import their chunks (and stylesheets, fonts) by their old hashed names, possibly
 * long after the deploy (lazy routes). Deleting them would break that page; keeping them costs a
 * few hundred kilobytes a build. Any other stale file (a favicon no longer built) is deleted.
 */
export function planDeletions(
  existingKeys: readonly string[],
  publishedKeys: Iterable<string>,
  { pruneAssets = false }: DeletionOptions = {},
): string[] {
  const published = new Set(publishedKeys);
  return existingKeys.filter((key) => !published.has(key) && (pruneAssets || !key.startsWith('assets/'))).sort();
}

/**
 * What CloudFront may still hold from the previous build: index.html (also cached as `/`, the
 * default root object's own path) and config.json. They are no-cache, so edges keep them at most
 * the cache policy's 1-second minimum TTL; the invalidation makes the switch certain. assets/ need
 * none: new builds have new names.
 */
export const invalidationPaths = ['/', `/${indexKey}`, `/${configKey}`] as const;
