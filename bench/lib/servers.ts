import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Servers {
  readonly limit: string;
  readonly bare: string;
  readonly app: string;
  /** The first reseller's API key. */
  readonly apiKey: string;
  readonly resellers: readonly { readonly id: string; readonly apiKey: string }[];
  readonly db: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts bench/lib/server-process.ts on the given database with `resellers` resellers and waits for its
 * addresses. `nodeOptions` go to its node (BENCH_SERVER_NODE_OPTIONS, e.g. `--cpu-prof`, is added).
 */
export function startServers(storeUrl: string | undefined, options: { resellers?: number; nodeOptions?: readonly string[] } = {}): Promise<Servers> {
  const profile = process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter((o) => o !== '') ?? [];
  const args = [...profile, ...(options.nodeOptions ?? []), '--import', 'tsx', fileURLToPath(new URL('./server-process.ts', import.meta.url))];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, BENCH_RESELLERS: String(options.resellers ?? 1), ...(storeUrl !== undefined && { BENCH_STORE_URL: storeUrl }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const info = JSON.parse(line) as Omit<Servers, 'stop'>;
      resolve({
        ...info,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
