import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-order reply addresses (DESIGN.md Emails): `r-<orderId>-<mac>@<mail domain>`. The MAC binds the
 * order id to the platform's reply-signing key, so the inbound router can tell a reply to a real
 * message from a forged or guessed address and refuse the latter during the SMTP conversation.
 */

/** 20 hex digits = 80 bits: forging one needs ~2^79 attempts against a listener that answers each with a 5xx. */
const MAC_HEX_LENGTH = 20;
/** Ids made by `newId` (`ord_…`) and anything similar: no `-`, so the address splits unambiguously. */
const ORDER_ID = /^[A-Za-z0-9_]{1,40}$/;
const REPLY_ADDRESS = /^r-([A-Za-z0-9_]{1,40})-([0-9a-fA-F]{20})@([^@\s]+)$/;

function mac(orderId: string, key: Buffer): string {
  // A label in the input keeps this key's MACs apart from any other use of the same key material.
  return createHmac('sha256', key).update(`reply-address\0${orderId}`).digest('hex').slice(0, MAC_HEX_LENGTH);
}

/** The reply address of an order on `domain`. */
export function replyAddress(orderId: string, key: Buffer, domain: string): string {
  if (!ORDER_ID.test(orderId)) throw new TypeError('reply address: the order id may contain only letters, digits and "_" (at most 40)');
  return `r-${orderId}-${mac(orderId, key)}@${domain.toLowerCase()}`;
}

/**
 * The order id of a reply address if its MAC is valid for `key`; null for anything else (not of this
 * shape, tampered, or signed with another key). The domain is not checked here: the router knows
 * which domains it serves.
 */
export function verifyReplyAddress(address: string, key: Buffer): { orderId: string; domain: string } | null {
  const match = REPLY_ADDRESS.exec(address.trim());
  if (!match) return null;
  const [, orderId = '', given = '', domain = ''] = match;
  // Some relays lower-case local parts; the MAC is hex, so its case carries no information.
  const expected = Buffer.from(mac(orderId, key), 'ascii');
  const actual = Buffer.from(given.toLowerCase(), 'ascii');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  return { orderId, domain: domain.toLowerCase() };
}
