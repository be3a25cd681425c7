import { performance } from 'node:perf_hooks';

/** What staff see of a supplier (`GET /v1/staff/suppliers`). */
export interface SupplierHealth {
  readonly name: string;
  readonly state: 'up' | 'down' | 'probing';
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly lastFailureAt: string | null;
  readonly lastSuccessAt: string | null;
}

/**
 * A circuit breaker per supplier, per process: after `threshold` consecutive failures a supplier is
 * `down` for `cooldownMs`, new orders go to the next able supplier, and after the cooldown one attempt
 * probes it again. Times here are operational (monotonic), not business times.
 */
export class SupplierCircuits {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #state = new Map<string, { failures: number; openedAt: number | null; lastError: string | null; lastFailureAt: Date | null; lastSuccessAt: Date | null }>();

  constructor(options: { threshold?: number; cooldownMs?: number } = {}) {
    this.#threshold = options.threshold ?? 3;
    this.#cooldownMs = options.cooldownMs ?? 60_000;
  }

  #entry(name: string) {
    let entry = this.#state.get(name);
    if (!entry) {
      entry = { failures: 0, openedAt: null, lastError: null, lastFailureAt: null, lastSuccessAt: null };
      this.#state.set(name, entry);
    }
    return entry;
  }

  /** Whether new work may go to the supplier now (up, or due for a probe). */
  available(name: string): boolean {
    const entry = this.#entry(name);
    return entry.openedAt === null || performance.now() - entry.openedAt >= this.#cooldownMs;
  }

  succeeded(name: string): void {
    const entry = this.#entry(name);
    entry.failures = 0;
    entry.openedAt = null;
    entry.lastSuccessAt = new Date();
  }

  failed(name: string, error: string): void {
    const entry = this.#entry(name);
    entry.failures += 1;
    entry.lastError = error;
    entry.lastFailureAt = new Date();
    if (entry.failures >= this.#threshold) entry.openedAt = performance.now();
  }

  health(name: string): SupplierHealth {
    const entry = this.#entry(name);
    const state = entry.openedAt === null ? 'up' : this.available(name) ? 'probing' : 'down';
    return {
      name,
      state,
      consecutiveFailures: entry.failures,
      lastError: entry.lastError,
      lastFailureAt: entry.lastFailureAt?.toISOString() ?? null,
      lastSuccessAt: entry.lastSuccessAt?.toISOString() ?? null,
    };
  }
}
