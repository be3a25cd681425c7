import { describe, expect, it } from 'vitest';
import { PRODUCTS } from '../domain/products.js';
import { MAX_DOMAIN_ENTRIES, comparableName, compareWithCsr, normalizeName, validateNames } from './domains.js';

function accepted(input: string) {
  const result = normalizeName(input, 'domains[0]');
  if (!result.ok) throw new Error(`expected ${input} to be accepted: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function refusalCode(input: string): string {
  const result = normalizeName(input, 'domains[0]');
  if (result.ok) throw new Error(`expected ${input} to be refused`);
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]?.path).toBe('domains[0]');
  expect(result.errors[0]?.message.length).toBeGreaterThan(20);
  return result.errors[0]?.code ?? '';
}

describe('normalizeName: accepted names', () => {
  it('trims and lower-cases', () => {
    expect(accepted('  WWW.Example.COM ')).toEqual({ ascii: 'www.example.com', unicode: 'www.example.com', kind: 'dns', wildcard: false, registrableDomain: 'example.com' });
  });

  it('stores a U-label as its A-label and shows the U-label', () => {
    expect(accepted('Bücher.de')).toMatchObject({ ascii: 'xn--bcher-kva.de', unicode: 'bücher.de', registrableDomain: 'xn--bcher-kva.de' });
  });

  it('accepts an A-label and shows its U-label', () => {
    expect(accepted('XN--BCHER-KVA.de')).toMatchObject({ ascii: 'xn--bcher-kva.de', unicode: 'bücher.de' });
  });

  it('converts IDNs in non-Latin scripts and IDN TLDs', () => {
    expect(accepted('例え.jp').ascii).toBe('xn--r8jz45g.jp');
    expect(accepted('пример.рф')).toMatchObject({ ascii: 'xn--e1afmkfd.xn--p1ai', unicode: 'пример.рф' });
  });

  it('maps full-width letters and dots (UTS #46)', () => {
    expect(accepted('ＥＸＡＭＰＬＥ。com').ascii).toBe('example.com');
  });

  it('accepts a wildcard as the whole leftmost label', () => {
    expect(accepted('*.Example.com')).toMatchObject({ ascii: '*.example.com', wildcard: true, registrableDomain: 'example.com' });
  });

  it('keeps the wildcard on an IDN', () => {
    expect(accepted('*.bücher.de')).toMatchObject({ ascii: '*.xn--bcher-kva.de', unicode: '*.bücher.de', wildcard: true });
  });

  it('finds the registrable domain under a multi-label public suffix', () => {
    expect(accepted('a.b.example.co.uk').registrableDomain).toBe('example.co.uk');
  });

  it('uses only the ICANN section of the Public Suffix List (BR view): github.io is registrable', () => {
    expect(accepted('someone.github.io').registrableDomain).toBe('github.io');
  });

  it('accepts a 63-character label and a 253-character name', () => {
    const label = 'a'.repeat(63);
    expect(accepted(`${label}.com`).ascii).toBe(`${label}.com`);
    const long = `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(63)}.com`;
    expect(long).toHaveLength(253);
    expect(accepted(long).ascii).toBe(long);
  });

  it('accepts a public IPv4 address as kind ip', () => {
    expect(accepted('8.8.8.8')).toEqual({ ascii: '8.8.8.8', unicode: '8.8.8.8', kind: 'ip', wildcard: false, registrableDomain: null });
  });

  it('accepts a public IPv6 address in canonical compressed form', () => {
    expect(accepted('2606:4700:0000:0000:0000:0000:0000:1111')).toMatchObject({ ascii: '2606:4700::1111', kind: 'ip' });
    expect(accepted('2001:4860:4860::8888').ascii).toBe('2001:4860:4860::8888');
  });
});

describe('normalizeName: syntax refusals', () => {
  it.each([
    ['', 'domain.required'],
    ['   ', 'domain.required'],
    ['a'.repeat(2000), 'domain.too_long'],
    [`${'a.'.repeat(127)}com`, 'domain.too_long'],
    [`${'a'.repeat(64)}.com`, 'domain.label_too_long'],
    ['example.com.', 'domain.trailing_dot'],
    ['a..example.com', 'domain.empty_label'],
    ['.example.com', 'domain.empty_label'],
    ['foo_bar.example.com', 'domain.underscore'],
    ['foo bar.com', 'domain.invalid_characters'],
    ['exa!mple.com', 'domain.invalid_characters'],
    ['example.com/path', 'domain.invalid_characters'],
    ['example.com:443', 'domain.invalid_characters'],
    ['https://example.com', 'domain.invalid_characters'],
    ['exa\u0000mple.com', 'domain.invalid_characters'],
    ['-example.com', 'domain.label_hyphen'],
    ['example-.com', 'domain.label_hyphen'],
    ['ab--cd.com', 'domain.reserved_hyphens'],
    ['xn--a.com', 'domain.invalid_punycode'],
    ['xn--example.com', 'domain.invalid_punycode'],
    ['exa\u200Bmple\uFFFF.com', 'domain.invalid_idn'],
    ['1.2.3', 'domain.numeric_tld'],
    ['1.2.3.4.5', 'domain.numeric_tld'],
    ['www.0x7f', 'domain.numeric_tld'],
    ['[2001:4860::8888]', 'ip.invalid'],
    ['fe80::1%eth0', 'ip.invalid'],
    ['2001:4860::8888::1', 'ip.invalid'],
  ])('refuses %j with %s', (input, code) => {
    expect(refusalCode(input)).toBe(code);
  });
});

describe('normalizeName: wildcard refusals', () => {
  it.each([
    ['*foo.example.com', 'domain.wildcard_position'],
    ['foo.*.example.com', 'domain.wildcard_position'],
    ['*.*.example.com', 'domain.wildcard_position'],
    ['f*o.example.com', 'domain.wildcard_position'],
    ['*', 'domain.wildcard_position'],
    ['*.co.uk', 'domain.wildcard_over_public_suffix'],
    ['*.com', 'domain.wildcard_over_public_suffix'],
  ])('refuses %j with %s (BR 3.2.2.6)', (input, code) => {
    expect(refusalCode(input)).toBe(code);
  });
});

describe('normalizeName: names no one can own', () => {
  it.each([
    ['co.uk', 'domain.public_suffix'],
    ['com.au', 'domain.public_suffix'],
    ['localhost', 'domain.single_label'],
    ['intranet', 'domain.single_label'],
    ['foo.local', 'domain.internal_name'],
    ['foo.internal', 'domain.internal_name'],
    ['mail.corp', 'domain.internal_name'],
    ['nas.lan', 'domain.internal_name'],
    ['printer.home.arpa', 'domain.internal_name'],
    ['router.home', 'domain.internal_name'],
    ['x.alt', 'domain.internal_name'],
    ['server.notatld', 'domain.internal_name'],
    ['www.example.test', 'domain.reserved_tld'],
    ['www.foo.example', 'domain.reserved_tld'],
    ['x.invalid', 'domain.reserved_tld'],
    ['app.localhost', 'domain.reserved_tld'],
    ['1.0.0.127.in-addr.arpa', 'domain.reserved_tld'],
    ['expyuzz4wqqyqhjn.onion', 'domain.onion'],
  ])('refuses %j with %s', (input, code) => {
    expect(refusalCode(input)).toBe(code);
  });
});

describe('normalizeName: reserved IP addresses (BR 4.2.2, IANA special-purpose registries)', () => {
  it.each([
    ['0.1.2.3', 'ip.reserved'],
    ['10.0.0.1', 'ip.private'],
    ['172.16.5.4', 'ip.private'],
    ['172.31.255.255', 'ip.private'],
    ['192.168.1.1', 'ip.private'],
    ['100.64.0.1', 'ip.shared_address'],
    ['100.127.255.254', 'ip.shared_address'],
    ['127.0.0.1', 'ip.loopback'],
    ['169.254.169.254', 'ip.link_local'],
    ['192.0.0.8', 'ip.reserved'],
    ['192.0.2.10', 'ip.documentation'],
    ['198.51.100.7', 'ip.documentation'],
    ['203.0.113.99', 'ip.documentation'],
    ['198.18.0.1', 'ip.reserved'],
    ['192.88.99.1', 'ip.reserved'],
    ['224.0.0.251', 'ip.multicast'],
    ['239.255.255.250', 'ip.multicast'],
    ['240.0.0.1', 'ip.reserved'],
    ['255.255.255.255', 'ip.reserved'],
    ['::', 'ip.reserved'],
    ['::1', 'ip.loopback'],
    ['::ffff:8.8.8.8', 'ip.ipv4_mapped'],
    ['64:ff9b::808:808', 'ip.reserved'],
    ['100::1', 'ip.reserved'],
    ['2001::1', 'ip.reserved'],
    ['2001:db8::1', 'ip.documentation'],
    ['2001:DB8:ffff::1', 'ip.documentation'],
    ['2002:c000:204::1', 'ip.reserved'],
    ['3fff::1', 'ip.documentation'],
    ['fc00::1', 'ip.private'],
    ['fd12:3456:789a::1', 'ip.private'],
    ['fe80::1', 'ip.link_local'],
    ['ff02::1', 'ip.multicast'],
    ['4000::1', 'ip.reserved'],
  ])('refuses %s with %s', (input, code) => {
    expect(refusalCode(input)).toBe(code);
  });

  it('accepts the addresses just outside a reserved range', () => {
    expect(accepted('172.32.0.1').kind).toBe('ip');
    expect(accepted('100.128.0.1').kind).toBe('ip');
    expect(accepted('11.0.0.1').kind).toBe('ip');
    expect(accepted('2001:200::1').kind).toBe('ip');
  });

  it('refuses IPv4 with leading zeros instead of guessing octal', () => {
    expect(refusalCode('010.1.1.1')).toBe('domain.numeric_tld');
  });
});

describe('validateNames', () => {
  const dvSingle = PRODUCTS['dv-single'];
  const dvWildcard = PRODUCTS['dv-wildcard'];
  const dvMulti = PRODUCTS['dv-multi'];

  it('normalises each entry and keeps the order', () => {
    const result = validateNames(dvMulti, ['Example.com', 'bücher.de', '*.example.org']);
    expect(result.errors).toEqual([]);
    expect(result.names.map((n) => n.ascii)).toEqual(['example.com', 'xn--bcher-kva.de', '*.example.org']);
  });

  it('refuses an empty list with domains.required', () => {
    expect(validateNames(dvMulti, []).errors).toEqual([expect.objectContaining({ path: 'domains', code: 'domains.required' })]);
  });

  it('puts each entry error on its own index', () => {
    const { errors } = validateNames(dvMulti, ['example.com', 'foo.local', 'example.org', 'bad_name.com']);
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['domains[1]', 'domain.internal_name'],
      ['domains[3]', 'domain.underscore'],
    ]);
  });

  it('refuses a non-string entry with domain.type', () => {
    const { errors } = validateNames(dvMulti, ['example.com', 42, null, { a: 1 }, ['x']]);
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['domains[1]', 'domain.type'],
      ['domains[2]', 'domain.type'],
      ['domains[3]', 'domain.type'],
      ['domains[4]', 'domain.type'],
    ]);
  });

  it('refuses duplicates after normalisation (U-label vs A-label, case)', () => {
    const { errors, names } = validateNames(dvMulti, ['bücher.de', 'XN--BCHER-KVA.DE', 'example.com', 'Example.COM ']);
    expect(errors).toEqual([
      expect.objectContaining({ path: 'domains[1]', code: 'domain.duplicate', message: expect.stringContaining('domains[0]') }),
      expect.objectContaining({ path: 'domains[3]', code: 'domain.duplicate', message: expect.stringContaining('domains[2]') }),
    ]);
    expect(names).toHaveLength(2);
  });

  it('refuses a wildcard on a product without wildcards', () => {
    expect(validateNames(dvSingle, ['*.example.com']).errors).toEqual([expect.objectContaining({ path: 'domains[0]', code: 'domain.wildcard_not_allowed' })]);
    expect(validateNames(PRODUCTS['ev-multi'], ['example.com', '*.example.com']).errors).toEqual([expect.objectContaining({ path: 'domains[1]', code: 'domain.wildcard_not_allowed' })]);
  });

  it('allows public IP addresses on the DV and OV multi-domain products', () => {
    expect(validateNames(dvMulti, ['example.com', '8.8.8.8']).errors).toEqual([]);
    expect(validateNames(PRODUCTS['ov-multi'], ['2606:4700::1111']).errors).toEqual([]);
  });

  it.each(['dv-single', 'dv-wildcard', 'ov-single', 'ev-single', 'ev-multi'] as const)('refuses an IP address on %s', (code) => {
    expect(validateNames(PRODUCTS[code], ['8.8.8.8']).errors).toEqual([expect.objectContaining({ path: 'domains[0]', code: 'domain.ip_not_allowed' })]);
  });

  it('lets a single product carry its name plus the free www. companion, in either order', () => {
    expect(validateNames(dvSingle, ['example.com', 'www.example.com']).errors).toEqual([]);
    expect(validateNames(dvSingle, ['www.example.com', 'example.com']).errors).toEqual([]);
  });

  it('refuses a second name on a single product that is not the companion', () => {
    const { errors } = validateNames(dvSingle, ['example.com', 'shop.example.com']);
    expect(errors).toEqual([expect.objectContaining({ path: 'domains', code: 'domains.too_many', message: expect.stringContaining('www.example.com') })]);
  });

  it('refuses three names on a single product even with the companion', () => {
    expect(validateNames(dvSingle, ['example.com', 'www.example.com', 'mail.example.com']).errors).toEqual([expect.objectContaining({ path: 'domains', code: 'domains.too_many' })]);
  });

  it('lets a wildcard product carry *.example.com plus example.com', () => {
    expect(validateNames(dvWildcard, ['*.example.com', 'example.com']).errors).toEqual([]);
  });

  it('refuses a wildcard product with a second unrelated name', () => {
    expect(validateNames(dvWildcard, ['*.example.com', 'www.example.com']).errors).toEqual([expect.objectContaining({ code: 'domains.too_many' })]);
  });

  it('refuses more names than a multi product covers', () => {
    const names = Array.from({ length: 101 }, (_, i) => `n${i}.example.com`);
    expect(validateNames(dvMulti, names).errors).toEqual([expect.objectContaining({ path: 'domains', code: 'domains.too_many', message: expect.stringContaining('100') })]);
  });

  it('refuses a huge list with one error without reading it', () => {
    const names = new Array<unknown>(MAX_DOMAIN_ENTRIES + 1).fill(42);
    const { errors, names: out } = validateNames(dvMulti, names);
    expect(errors).toEqual([expect.objectContaining({ path: 'domains', code: 'domains.too_many' })]);
    expect(out).toEqual([]);
  });

  it('checks only product-independent rules when no product is chosen', () => {
    const names = Array.from({ length: 150 }, (_, i) => `n${i}.example.com`);
    expect(validateNames(null, [...names, '*.example.com', '8.8.8.8']).errors).toEqual([]);
    expect(validateNames(null, ['foo.local']).errors).toEqual([expect.objectContaining({ code: 'domain.internal_name' })]);
  });

  it('uses the given base path', () => {
    expect(validateNames(dvMulti, ['foo.local'], 'items').errors[0]?.path).toBe('items[0]');
  });
});

describe('compareWithCsr', () => {
  it('finds no difference when the names agree in any order', () => {
    expect(compareWithCsr(['www.example.com', 'example.com'], ['example.com', 'www.example.com'])).toEqual([]);
  });

  it('names an order domain that is not in the CSR on its index', () => {
    const errors = compareWithCsr(['example.com', 'www.example.com', 'shop.example.com'], ['example.com', 'www.example.com']);
    expect(errors).toEqual([expect.objectContaining({ path: 'domains[2]', code: 'domain.not_in_csr', message: expect.stringContaining('shop.example.com') })]);
  });

  it('names a CSR name that is not in the order on csr', () => {
    const errors = compareWithCsr(['example.com'], ['example.com', 'mail.example.com']);
    expect(errors).toEqual([expect.objectContaining({ path: 'csr', code: 'csr.name_not_in_order', message: expect.stringContaining('mail.example.com') })]);
  });

  it('compares in A-label form when the CSR carries a U-label', () => {
    expect(compareWithCsr(['xn--bcher-kva.de'], ['bücher.de'])).toEqual([]);
  });

  it('compares IPv6 addresses in canonical form', () => {
    expect(compareWithCsr(['2606:4700::1111'], ['2606:4700:0:0:0:0:0:1111'])).toEqual([]);
  });

  it('reports a name the CSR lists twice only once', () => {
    expect(compareWithCsr([], ['a.example.com', 'A.example.com'])).toHaveLength(1);
  });
});

describe('comparableName', () => {
  it('lower-cases, converts to A-labels and keeps the wildcard', () => {
    expect(comparableName(' *.Bücher.DE ')).toBe('*.xn--bcher-kva.de');
  });

  it('leaves text it cannot convert as lower-cased text', () => {
    expect(comparableName('Not A Name')).toBe('not a name');
  });
});
