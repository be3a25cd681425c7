import { CertbrokerError } from './errors.js';
import type { OrderStatus } from './order.js';

/**
 * The order lifecycle of DESIGN.md, in one place: which status may follow which. A supplier's hold is a
 * flag, not a status; reissued certificates do not change the status of an issued order.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  // The fraud screen may hold; submission is accepted (released) or refused by the supplier.
  received: ['on_hold', 'released', 'cancelled', 'cancelled_by_supplier'],
  // Staff release a hold into submission (released once the supplier accepts) or reject it.
  on_hold: ['released', 'rejected', 'cancelled', 'cancelled_by_supplier'],
  // A supplier that needs no further validation may issue straight away.
  released: ['awaiting_validation', 'issued', 'cancelled', 'cancelled_by_supplier'],
  awaiting_validation: ['issued', 'cancelled', 'cancelled_by_supplier'],
  issued: [],
  rejected: [],
  cancelled: [],
  cancelled_by_supplier: [],
};

/** Statuses no transition leaves. */
export function isFinal(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** Throws a `conflict` naming both statuses when the lifecycle does not allow the step. */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new CertbrokerError('conflict', 'order.invalid_transition', `An order that is ${from} cannot become ${to}.`);
  }
}
