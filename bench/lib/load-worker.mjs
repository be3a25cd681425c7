// The load client, in plain JavaScript so that the worker thread needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** @type {import('./load.js').LoadSpec} */
const spec = workerData;
const pool = new Pool(spec.url, { connections: spec.concurrency, pipelining: 1 });
/** @type {number[]} */
const latencies = [];
let next = 0;
let errors = 0;
/** @type {string | null} */
let firstError = null;
const started = performance.now();
const deadline = started + spec.durationMs;

const method = spec.method ?? 'POST';

/** @param {number} i */
async function one(i) {
  const t0 = performance.now();
  try {
    const headers = spec.requestHeaders === undefined ? spec.headers : { ...spec.headers, ...spec.requestHeaders[i] };
    const res = await pool.request({ path: spec.path, method, headers, ...(method === 'POST' && { body: spec.bodies[i] }) });
    const text = await res.body.text();
    if (res.statusCode !== spec.expectStatus) {
      errors += 1;
      firstError ??= `${res.statusCode} ${text.slice(0, 300)}`;
    }
  } catch (error) {
    errors += 1;
    firstError ??= String(error);
  }
  latencies.push(performance.now() - t0);
}

async function closedLoop() {
  const client = async () => {
    while (performance.now() < deadline && next < spec.bodies.length) await one(next++);
  };
  await Promise.all(Array.from({ length: spec.concurrency }, client));
}

/** Open loop: requests leave on schedule whatever the server's speed, so latency includes queueing. */
async function openLoop(/** @type {number} */ rate) {
  const inFlight = new Set();
  const interval = 1000 / rate;
  while (performance.now() < deadline && next < spec.bodies.length) {
    const wait = started + next * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = one(next++).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
}

const progress = setInterval(() => parentPort?.postMessage({ progress: next }), 200);
await (spec.rate === undefined ? closedLoop() : openLoop(spec.rate));
clearInterval(progress);
const elapsedMs = performance.now() - started;
await pool.close();
latencies.sort((a, b) => a - b);
const pct = (/** @type {number} */ q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
parentPort?.postMessage({
  result: { requests: latencies.length, errors, elapsedMs, throughput: (latencies.length * 1000) / elapsedMs, p50Ms: pct(0.5), p99Ms: pct(0.99), firstError },
});
