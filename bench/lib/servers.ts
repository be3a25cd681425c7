import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Servers {
  readonly limit: string;
  readonly bare: string;
  readonly app: string;
  readonly apiKey: string;
  readonly db: string;
  stop(): Promise<void>;
}

/** Starts bench/lib/server-process.ts on the given database and waits for its addresses. */
export function startServers(storeUrl: string | undefined): Promise<Servers> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./server-process.ts', import.meta.url))], {
    env: { ...process.env, ...(storeUrl !== undefined && { BENCH_STORE_URL: storeUrl }) },
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
