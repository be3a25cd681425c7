import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What a running `start` leaves in its data folder so that CLI commands can reach it. */
export interface LockInfo {
  readonly pid: number;
  readonly port: number;
  /** A random token that lets the CLI act as staff on the running server. */
  readonly adminToken: string;
}

export const LOCK_FILE = 'certbroker.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of a live process holding this data folder, if any; a stale lock of a dead pid counts as none. */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo;
    return Number.isInteger(info.pid) && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data folder's lock (PGlite admits one process per folder). Fails with a clear sentence when a
 * live process holds it; takes over the lock of a dead one. The file is created exclusively, mode 0600.
 */
export function acquireLock(dataDir: string, port: number): { info: LockInfo; setPort(port: number): void; release(): void } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, port, adminToken: randomBytes(32).toString('base64url') };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      return {
        info,
        setPort: (actual) => {
          writeFileSync(path, JSON.stringify({ ...info, port: actual }), { mode: 0o600 });
        },
        release: () => {
          if (released) return;
          released = true;
          if (readLock(dataDir)?.pid === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(dataDir);
      if (holder) throw new Error(`The data folder ${dataDir} is in use by process ${holder.pid} (port ${holder.port}). Stop it first, or use its API.`);
      unlinkSync(path); // stale: its process is gone
    }
  }
  throw new Error(`Could not take the lock in ${dataDir}.`);
}
