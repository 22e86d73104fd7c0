/**
 * Cache-Control for the web app's files, the same when deploying (infra/deploy/publish-web.ts,
 * S3 object metadata that CloudFront honours) and locally (infra/local/web-server.ts).
 * Vite puts content-hashed files under assets/: they never change, so caches may keep them
 * for a year. Everything else (index.html, config.json) must be revalidated on every load so a
 * new deploy is picked up at once.
 */
export function cacheControlFor(path: string): string {
  const key = path.replace(/^\/+/, '');
  return key.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}
