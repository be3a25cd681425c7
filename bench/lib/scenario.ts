import type { Measurement } from './report.js';

export interface BenchContext {
  /** A fresh PostgreSQL database of the scenario's own, or undefined for in-memory PGlite. */
  readonly databaseUrl: string | undefined;
}

/** One module per scenario (`bench/scenarios/*.ts`), each measuring its figures beside their anchors. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<Measurement[]>;
}
