import type { Money } from './money.js';
import type { ProductCode, TermMonths } from './products.js';

/** Order statuses of DESIGN.md's lifecycle; the database check constraint uses the same list. */
export const ORDER_STATUSES = [
  'received',
  'on_hold',
  'released',
  'awaiting_validation',
  'issued',
  'rejected',
  'cancelled',
  'cancelled_by_supplier',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}

/** Languages customer emails can be written in. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Days after `releasedAt` during which a released order may not be cancelled (seed step 3). */
export const COMPLETION_WINDOW_DAYS = 7;

/** The moment from which a released, uncompleted order may be cancelled; null before release. */
export function cancellableAt(releasedAt: Date | null): Date | null {
  return releasedAt === null ? null : new Date(releasedAt.getTime() + COMPLETION_WINDOW_DAYS * 86_400_000);
}

/** Who caused an event on an order's timeline. */
export type Actor =
  | { readonly type: 'reseller'; readonly id: string; readonly keyId?: string }
  | { readonly type: 'staff'; readonly id: string }
  | { readonly type: 'system'; readonly id: string };

/** A supplier's or the platform's hold on an order (DESIGN.md: both show the same neutral notice). */
export interface Hold {
  readonly by: 'platform' | 'supplier';
  readonly since: Date;
}

/** How control of one name is shown. */
export type DcvChoice = { readonly method: 'email'; readonly email: string } | { readonly method: 'dns' } | { readonly method: 'http' };

/** One domain of an order: the stored A-label form and how its control is shown. */
export interface OrderDomain {
  readonly name: string;
  readonly unicode: string;
  readonly dcv: DcvChoice;
}

/** An order as the use cases see it (not a database row). */
export interface Order {
  readonly id: string;
  readonly resellerId: string;
  readonly status: OrderStatus;
  readonly product: ProductCode;
  readonly termMonths: TermMonths;
  readonly domains: readonly OrderDomain[];
  readonly approverEmail: string;
  readonly price: Money;
  readonly hold: Hold | null;
  readonly language: Language;
  readonly createdAt: Date;
  readonly releasedAt: Date | null;
}

/** A row of an order's timeline. */
export interface OrderEvent {
  readonly id: number;
  readonly at: Date;
  readonly type: string;
  readonly fromStatus: OrderStatus | null;
  readonly toStatus: OrderStatus | null;
  readonly actor: Actor;
  readonly note: string | null;
}

/**
 * When an order may be cancelled (DESIGN.md lifecycle): at once before release, seven days after
 * `releasedAt` while uncompleted, never once it is issued or closed.
 */
export function orderCancellableAt(order: Pick<Order, 'status' | 'createdAt' | 'releasedAt'>): Date | null {
  if (order.status === 'received' || order.status === 'on_hold') return order.createdAt;
  if (order.status === 'released' || order.status === 'awaiting_validation') return cancellableAt(order.releasedAt);
  return null;
}
