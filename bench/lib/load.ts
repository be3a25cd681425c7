import { Worker } from 'node:worker_threads';

/** One load run against one route: closed loop (as fast as `concurrency` clients go) or open loop at `rate`. */
export interface LoadSpec {
  readonly url: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** POST (the default) sends one of `bodies` per request; GET sends none and counts `bodies` only. */
  readonly method?: 'GET' | 'POST';
  /** Headers of request i on top of `headers` (an Idempotency-Key of its own, one of several resellers' keys). */
  readonly requestHeaders?: readonly Record<string, string>[];
  /** Request bodies, each sent once: a distinct CSR per request, so no cache can flatter a figure. */
  readonly bodies: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  /** Requests per second for an open-loop run; absent for a closed loop. */
  readonly rate?: number;
  readonly expectStatus: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The first unexpected answer, for the report. */
  readonly firstError: string | null;
}

/**
 * Runs the client in a worker thread so that it gets its own core and the server under test keeps the
 * main thread's. Bounded in count (the bodies) and in time (durationMs): it stops by itself.
 */
export function runLoad(spec: LoadSpec, onProgress?: (done: number) => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: spec });
    worker.on('message', (message: { progress?: number; result?: LoadResult }) => {
      if (message.progress !== undefined) onProgress?.(message.progress);
      if (message.result) resolve(message.result);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
}
