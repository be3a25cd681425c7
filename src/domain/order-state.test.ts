import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from './order.js';
import { assertTransition, canTransition, isFinal, ORDER_TRANSITIONS } from './order-state.js';

describe('order state machine', () => {
  it('follows DESIGN.md: received → released → awaiting_validation → issued', () => {
    expect(canTransition('received', 'released')).toBe(true);
    expect(canTransition('released', 'awaiting_validation')).toBe(true);
    expect(canTransition('awaiting_validation', 'issued')).toBe(true);
  });

  it('lets the fraud hold end in release or rejection, and cancellation happen before completion only', () => {
    expect(canTransition('received', 'on_hold')).toBe(true);
    expect(canTransition('on_hold', 'released')).toBe(true);
    expect(canTransition('on_hold', 'rejected')).toBe(true);
    expect(canTransition('received', 'rejected')).toBe(false);
    for (const from of ['received', 'on_hold', 'released', 'awaiting_validation'] as const) expect(canTransition(from, 'cancelled')).toBe(true);
    expect(canTransition('issued', 'cancelled')).toBe(false);
  });

  it('never leaves a final status and never goes back', () => {
    for (const status of ['issued', 'rejected', 'cancelled', 'cancelled_by_supplier'] as const) {
      expect(isFinal(status)).toBe(true);
      for (const to of ORDER_STATUSES) expect(canTransition(status, to)).toBe(false);
    }
    expect(canTransition('awaiting_validation', 'released')).toBe(false);
    expect(canTransition('released', 'received')).toBe(false);
    expect(() => assertTransition('issued', 'received')).toThrow('An order that is issued cannot become received.');
  });

  it('names a rule for every status', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
  });
});
