import type { Store } from '../../src/store/database.js';
import type { Measurement } from './report.js';

export interface BenchContext {
  /** A fresh database of the scenario's own. */
  readonly store: Store;
}

/** One module per scenario (`bench/scenarios/*.ts`), each measuring its figures beside their anchors. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<Measurement[]>;
}
