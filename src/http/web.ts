import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm install` / `npm start` build the web app (web/build.mjs). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/** The app talks only to its own origin; nothing may frame it (clickjacking). */
const HTML_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
};

/** API paths answer JSON 404s; everything else is a page of the single-page app. */
const API_PREFIXES = ['/v1/', '/v1', '/docs', '/openapi.json', '/healthz'];

/**
 * Serves the built portal (`/`) and console (`/console`): hashed assets with a long cache, and
 * `index.html` for every other page path, so the app's own router takes over (SPA fallback).
 */
export function webRoutes(app: FastifyInstance, root: string = DEFAULT_WEB_ROOT): void {
  const assets = join(root, 'assets');
  let index: Promise<Buffer> | undefined;

  const sendIndex = async (reply: FastifyReply) => {
    if (!existsSync(join(root, 'index.html'))) {
      return reply.status(503).type('text/plain; charset=utf-8').send('The web app is not built yet: run `npm run build:web` (npm install and npm start do it).');
    }
    index ??= readFile(join(root, 'index.html'));
    return reply.headers(HTML_HEADERS).type('text/html; charset=utf-8').send(await index);
  };

  app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const file = normalize(join(assets, rest));
    if (!file.startsWith(assets + sep) || !existsSync(file)) return reply.callNotFound();
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    // Vite puts a content hash in every asset name: the same URL never changes.
    return reply.type(type).header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(await readFile(file));
  });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (API_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`))) return reply.callNotFound();
    return sendIndex(reply);
  });
}
