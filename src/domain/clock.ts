/** The source of every business timestamp. Tests hand in a {@link FixedClock}; nothing reads `Date.now()` directly. */
export interface Clock {
  now(): Date;
}

/** Wall-clock time, for production wiring only. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to. */
export class FixedClock implements Clock {
  #ms: number;

  constructor(start: Date | string = '2026-11-26T12:00:00Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#ms += ms;
  }

  set(at: Date | string): void {
    this.#ms = new Date(at).getTime();
  }
}

/**
 * Wall-clock time plus an offset that only moves forward: development's way to let seven days pass
 * (`CERTBROKER_DEV_CLOCK=1`, then `POST /v1/staff/dev/clock`). Never used in production wiring.
 */
export class OffsetClock implements Clock {
  #offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  /** Moves the clock forward by `ms` milliseconds (never back: time only passes). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.#offsetMs += ms;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }
}
