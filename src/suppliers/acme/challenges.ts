/**
 * Which challenge each name gets and what the customer must publish for it: pure functions over the
 * CA's authorization objects (RFC 8555 7.1.4) and the account key's thumbprint.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { DcvMethod } from '../supplier.js';
import type { ChallengeType } from './config.js';
import type { DcvInstruction } from './mail.js';

/** An ACME identifier (RFC 8555 7.1.3; `ip` from RFC 8738). */
export interface Identifier {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

/**
 * The identifier for one name of an order. A wildcard keeps its `*.` in the order (RFC 8555 7.1.3);
 * an IP address is an `ip` identifier (RFC 8738 3).
 */
export function identifierFor(name: string): Identifier {
  return isIP(name) === 0 ? { type: 'dns', value: name } : { type: 'ip', value: name };
}

/**
 * The order name an authorization stands for: its identifier, with `*.` again when the CA marked it
 * as the authorization of a wildcard (RFC 8555 7.1.4 `wildcard`, where the identifier drops the `*.`).
 */
export function nameOfAuthorization(identifier: { readonly value: string }, wildcard: boolean | undefined): string {
  return wildcard === true ? `*.${identifier.value}` : identifier.value;
}

/** The method a name's order asked for: `email`, `dns` or `http`. */
export type RequestedMethod = DcvMethod['method'];

/** The challenge a name gets, and the requested method it replaces when they differ. */
export interface ChallengeChoice {
  readonly type: ChallengeType;
  readonly replaces?: 'email' | 'http' | 'dns';
}

const METHOD_OF: Readonly<Record<ChallengeType, RequestedMethod>> = { 'dns-01': 'dns', 'http-01': 'http' };

/**
 * Chooses the challenge for one name:
 * - a wildcard only by dns-01 (RFC 8555 7.1.3 and 8.4; BR 3.2.2.4.18 excludes wildcards from the website method);
 * - an IP address only by http-01 (RFC 8738 7: dns-01 must not be used for IP identifiers);
 * - otherwise as the order asked (`dns` → dns-01, `http` → http-01), and `email`, which ACME does not
 *   have, by the configured preference.
 * When the CA does not offer the choice, the other supported type it offers is used.
 * @returns undefined when the CA offers none of the supported types for the name.
 */
export function chooseChallenge(name: string, requested: RequestedMethod, offered: readonly string[], preferred: ChallengeType): ChallengeChoice | undefined {
  let type: ChallengeType;
  if (name.startsWith('*.')) type = 'dns-01';
  else if (isIP(name) !== 0) type = 'http-01';
  else if (requested === 'dns') type = 'dns-01';
  else if (requested === 'http') type = 'http-01';
  else type = preferred;
  if (!offered.includes(type)) {
    const other: ChallengeType = type === 'dns-01' ? 'http-01' : 'dns-01';
    // A wildcard never falls back to http-01, an IP address never to dns-01: the CA would refuse the answer.
    if (!offered.includes(other) || (other === 'http-01' && name.startsWith('*.')) || (other === 'dns-01' && isIP(name) !== 0)) return undefined;
    type = other;
  }
  return METHOD_OF[type] === requested ? { type } : { type, replaces: requested };
}

/**
 * RFC 7638 JWK thumbprint of a public key in JWK form: SHA-256 over the required members in
 * lexicographic order, base64url.
 */
export function jwkThumbprint(jwk: { readonly kty?: string; readonly crv?: string; readonly x?: string; readonly y?: string; readonly e?: string; readonly n?: string }): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** RFC 8555 8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)). */
export function keyAuthorization(token: string, thumbprint: string): string {
  return `${token}.${thumbprint}`;
}

/** RFC 8555 8.4: the TXT record is `_acme-challenge.` + the domain, for a wildcard the domain without `*.`. */
export function dnsRecordName(name: string): string {
  return `_acme-challenge.${name.startsWith('*.') ? name.slice(2) : name}`;
}

/** RFC 8555 8.4: the TXT value is the base64url SHA-256 digest of the key authorization. */
export function dnsRecordValue(keyAuth: string): string {
  return createHash('sha256').update(keyAuth).digest('base64url');
}

/** RFC 8555 8.3: `http://<domain>/.well-known/acme-challenge/<token>`, on port 80; an IPv6 address in brackets (RFC 8738 3). */
export function httpChallengeUrl(name: string, token: string): string {
  const host = isIP(name) === 6 ? `[${name}]` : name;
  return `http://${host}/.well-known/acme-challenge/${token}`;
}

/** What the customer must publish for one name. */
export function instructionFor(name: string, choice: ChallengeChoice, token: string, thumbprint: string): DcvInstruction {
  const keyAuth = keyAuthorization(token, thumbprint);
  const replaces = choice.replaces === undefined ? {} : { replaces: choice.replaces };
  if (choice.type === 'dns-01') {
    return { domain: name, method: 'dns-01', recordName: dnsRecordName(name), recordType: 'TXT', recordValue: dnsRecordValue(keyAuth), ...replaces };
  }
  return { domain: name, method: 'http-01', url: httpChallengeUrl(name, token), content: keyAuth, ...replaces };
}
