import { resolve } from 'node:path';
import type { DatabaseConfig } from '../store/database.js';
import type { RateLimitConfig } from '../http/app.js';

/** The platform's configuration, read once from the environment at start-up, validated, frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly rateLimit: RateLimitConfig | null;
  readonly csrCacheSize: number;
}

/** A configuration mistake, reported as one clear sentence before anything starts. */
export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.CERTBROKER_DATA_DIR || './data');
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== '' && !/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL.');
  const rateMax = integer(env, 'RATE_LIMIT_MAX', 1200, 0, 10_000_000);
  return Object.freeze({
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    database: url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: resolve(dataDir, 'pglite') },
    rateLimit: rateMax === 0 ? null : { max: rateMax, windowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000) },
    csrCacheSize: integer(env, 'CSR_CACHE_SIZE', 1000, 0, 1_000_000),
  } satisfies Config);
}
