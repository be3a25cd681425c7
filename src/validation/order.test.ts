import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { PRODUCT_CODES } from '../domain/products.js';
import { decodeCsr } from './csr.js';
import { MAX_CSR_LENGTH, validateOrder } from './order.js';
import type { OrderValidationDeps } from './order.js';

const deps: OrderValidationDeps = { decodeCsr };

const csrCache = new Map<string, string>();

/** A real P-256 CSR made by openssl: CN is the first name, every name a SAN (`IP:` for addresses). */
function csrFor(...names: string[]): string {
  const key = names.join(' ');
  const cached = csrCache.get(key);
  if (cached !== undefined) return cached;
  const sans = names.map((n) => (/^[0-9.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const pem = execFileSync(
    '/usr/bin/openssl',
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', `/CN=${names[0] ?? ''}`, '-addext', `subjectAltName=${sans}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  csrCache.set(key, pem);
  return pem;
}

const adminContact = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49 30 1234567', country: 'DE' };

const organization = {
  legalName: 'Example GmbH',
  registrationNumber: 'HRB 12345',
  address: 'Hauptstraße 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

function dvSingle(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    product: 'dv-single',
    termMonths: 12,
    csr: csrFor('example.com', 'www.example.com'),
    domains: ['example.com', 'www.example.com'],
    approverEmail: 'admin@example.com',
    adminContact,
    ...overrides,
  };
}

function paths(input: unknown): string[][] {
  return validateOrder(input, deps).errors.map((e) => [e.path, e.code]);
}

describe('validateOrder: a complete order', () => {
  it('returns the normalised order with every name resolved to a validation method', () => {
    const result = validateOrder(dvSingle(), deps);
    expect(result.errors).toEqual([]);
    const order = result.order;
    expect(order).toBeDefined();
    expect(order?.product).toBe('dv-single');
    expect(order?.termMonths).toBe(12);
    expect(order?.csr.names).toEqual(expect.arrayContaining(['example.com', 'www.example.com']));
    expect(order?.domains.map((d) => d.ascii)).toEqual(['example.com', 'www.example.com']);
    expect(order?.approverEmail).toBe('admin@example.com');
    expect(order?.dcv).toEqual({
      'example.com': { method: 'email', email: 'admin@example.com' },
      'www.example.com': { method: 'email', email: 'admin@example.com' },
    });
    expect(order?.adminContact).toEqual({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49301234567', country: 'DE' });
    expect(order?.organization).toBeNull();
    expect(order?.language).toBe('en');
  });

  it('returns the product, names and CSR alongside for pricing', () => {
    const result = validateOrder(dvSingle(), deps);
    expect(result.product?.code).toBe('dv-single');
    expect(result.names).toHaveLength(2);
    expect(result.csr?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the language when it is de', () => {
    expect(validateOrder(dvSingle({ language: 'de' }), deps).order?.language).toBe('de');
  });

  it('ignores unknown top-level fields', () => {
    expect(validateOrder(dvSingle({ coupon: 'X', futureField: { a: 1 } }), deps).errors).toEqual([]);
  });

  it('ignores an organisation sent with a DV product', () => {
    const result = validateOrder(dvSingle({ organization: { legalName: 42 } }), deps);
    expect(result.errors).toEqual([]);
    expect(result.order?.organization).toBeNull();
  });
});

describe('validateOrder: partial orders', () => {
  it('lists every required field of an empty order on its path', () => {
    expect(paths({})).toEqual([
      ['product', 'product.required'],
      ['termMonths', 'term.required'],
      ['csr', 'csr.required'],
      ['domains', 'domains.required'],
      ['approverEmail', 'email.required'],
      ['adminContact.firstName', 'text.required'],
      ['adminContact.lastName', 'text.required'],
      ['adminContact.email', 'email.required'],
      ['adminContact.country', 'country.required'],
      ['adminContact.phone', 'phone.required'],
    ]);
  });

  it('gives no order while anything is missing', () => {
    const { order, errors } = validateOrder(dvSingle({ adminContact: { ...adminContact, email: undefined } }), deps);
    expect(order).toBeUndefined();
    expect(errors.map((e) => e.path)).toEqual(['adminContact.email']);
  });

  it('collects errors of several fields at once', () => {
    expect(paths(dvSingle({ termMonths: 7, approverEmail: 'info@example.com', language: 'fr' }))).toEqual([
      ['termMonths', 'term.unknown'],
      ['approverEmail', 'approver.not_allowed'],
      ['approverEmail', 'approver.not_allowed'],
      ['language', 'language.unknown'],
    ]);
  });

  it('checks domain syntax before a product is chosen', () => {
    const result = validateOrder({ domains: ['example.com', 'foo.local'] }, deps);
    expect(result.errors).toContainEqual(expect.objectContaining({ path: 'domains[1]', code: 'domain.internal_name' }));
    expect(result.names?.map((n) => n.ascii)).toEqual(['example.com']);
  });

  it('does not report dcv keys as unknown while a domain entry is invalid', () => {
    const errors = validateOrder(dvSingle({ domains: ['example.com', 'www_.example.com'], dcv: { 'www_.example.com': { method: 'dns' } } }), deps).errors;
    expect(errors.map((e) => [e.path, e.code])).toEqual([['domains[1]', 'domain.underscore']]);
  });
});

describe('validateOrder: the whole input', () => {
  it.each([null, undefined, [], [dvSingle()], 'order', 42, true])('refuses %j with one error on the root path', (input) => {
    expect(paths(input)).toEqual([['', 'body.not_object']]);
  });

  it('reads only own fields: a __proto__ key or an inherited product is no product', () => {
    const parsed = JSON.parse('{"__proto__": {"product": "dv-single", "termMonths": 12}}') as unknown;
    expect(paths(parsed).slice(0, 2)).toEqual([
      ['product', 'product.required'],
      ['termMonths', 'term.required'],
    ]);
    const inherited = Object.create(dvSingle()) as unknown;
    expect(paths(inherited)[0]).toEqual(['product', 'product.required']);
  });

  it('refuses a non-string or wrong value in every field, each on its path', () => {
    expect(
      paths({
        product: 5,
        termMonths: { months: 12 },
        csr: ['-----BEGIN CERTIFICATE REQUEST-----'],
        domains: 'example.com',
        approverEmail: 7,
        dcv: 'dns',
        adminContact: 'Ada',
        organization: 5,
        language: ['en'],
      }),
    ).toEqual([
      ['product', 'product.unknown'],
      ['termMonths', 'term.unknown'],
      ['csr', 'csr.type'],
      ['domains', 'domains.type'],
      ['approverEmail', 'email.type'],
      ['dcv', 'dcv.type'],
      ['adminContact', 'contact.type'],
      ['language', 'language.unknown'],
    ]);
  });

  it('refuses non-string values inside the nested objects', () => {
    expect(
      paths(
        dvSingle({
          product: 'ov-single',
          domains: ['example.com', 1],
          adminContact: { firstName: {}, lastName: [], email: 1, phone: 2, country: 3 },
          organization: { legalName: 1, registrationNumber: true, address: {}, city: [], postalCode: 5, country: 6 },
        }),
      ),
    ).toEqual([
      ['domains[1]', 'domain.type'],
      ['adminContact.firstName', 'text.type'],
      ['adminContact.lastName', 'text.type'],
      ['adminContact.email', 'email.type'],
      ['adminContact.country', 'country.unknown'],
      ['adminContact.phone', 'phone.type'],
      ['organization.legalName', 'text.type'],
      ['organization.registrationNumber', 'text.type'],
      ['organization.address', 'text.type'],
      ['organization.city', 'text.type'],
      ['organization.postalCode', 'text.type'],
      ['organization.country', 'country.unknown'],
    ]);
  });
});

describe('validateOrder: product, term, language', () => {
  it('refuses an unknown product and lists the codes', () => {
    const errors = validateOrder(dvSingle({ product: 'dv-platinum' }), deps).errors;
    expect(errors).toEqual([expect.objectContaining({ path: 'product', code: 'product.unknown', message: expect.stringContaining(PRODUCT_CODES.join(', ')) })]);
  });

  it.each([0, 6, 12.5, '12', -12])('refuses termMonths %j', (termMonths) => {
    expect(paths(dvSingle({ termMonths }))).toEqual([['termMonths', 'term.unknown']]);
  });

  it.each([24, 36])('accepts termMonths %d', (termMonths) => {
    expect(validateOrder(dvSingle({ termMonths }), deps).order?.termMonths).toBe(termMonths);
  });

  it('defaults the language to en', () => {
    expect(validateOrder(dvSingle({ language: undefined }), deps).order?.language).toBe('en');
  });
});

describe('validateOrder: csr', () => {
  it('refuses a CSR over 64 KiB without decoding it', () => {
    const spy = vi.fn(decodeCsr);
    const errors = validateOrder(dvSingle({ csr: 'A'.repeat(MAX_CSR_LENGTH + 1) }), { decodeCsr: spy }).errors;
    expect(errors.map((e) => [e.path, e.code])).toEqual([['csr', 'csr.too_large']]);
    expect(spy).not.toHaveBeenCalled();
  });

  it('passes on the decoder errors on csr and skips the name comparison', () => {
    const errors = validateOrder(dvSingle({ csr: 'not a csr' }), deps).errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.path === 'csr')).toBe(true);
  });

  it('names an order domain missing from the CSR on its index', () => {
    const errors = validateOrder(dvSingle({ csr: csrFor('example.com') }), deps).errors;
    expect(errors).toEqual([expect.objectContaining({ path: 'domains[1]', code: 'domain.not_in_csr', message: expect.stringContaining('www.example.com') })]);
  });

  it('names a CSR name missing from the order on csr', () => {
    const errors = validateOrder(dvSingle({ domains: ['example.com'] }), deps).errors;
    expect(errors).toEqual([expect.objectContaining({ path: 'csr', code: 'csr.name_not_in_order', message: expect.stringContaining('www.example.com') })]);
  });

  it('does not compare while a domain entry is invalid', () => {
    expect(paths(dvSingle({ domains: ['example.com', 'www.example.local'] }))).toEqual([['domains[1]', 'domain.internal_name']]);
  });
});

describe('validateOrder: domains', () => {
  it('refuses an empty list', () => {
    expect(paths(dvSingle({ domains: [] }))).toEqual([['domains', 'domains.required']]);
  });

  it('refuses a huge list with one error', () => {
    const errors = validateOrder(dvSingle({ domains: new Array(100_000).fill('example.com') }), deps).errors;
    expect(errors.map((e) => [e.path, e.code])).toEqual([['domains', 'domains.too_many']]);
  });

  it('puts a refused name on domains[1]', () => {
    expect(paths(dvSingle({ domains: ['example.com', 'www.example.test'] }))).toEqual([['domains[1]', 'domain.reserved_tld']]);
  });

  it('refuses a duplicate', () => {
    expect(paths(dvSingle({ domains: ['example.com', 'EXAMPLE.com'] }))).toContainEqual(['domains[1]', 'domain.duplicate']);
  });

  it('stores an IDN as its A-label and shows its U-label', () => {
    const result = validateOrder(
      dvSingle({ csr: csrFor('xn--bcher-kva.de', 'www.xn--bcher-kva.de'), domains: ['Bücher.de', 'www.bücher.de'], approverEmail: 'admin@bücher.de' }),
      deps,
    );
    expect(result.errors).toEqual([]);
    expect(result.order?.domains.map((d) => [d.ascii, d.unicode])).toEqual([
      ['xn--bcher-kva.de', 'bücher.de'],
      ['www.xn--bcher-kva.de', 'www.bücher.de'],
    ]);
    expect(result.order?.approverEmail).toBe('admin@xn--bcher-kva.de');
    expect(Object.keys(result.order?.dcv ?? {})).toEqual(['xn--bcher-kva.de', 'www.xn--bcher-kva.de']);
  });

  it('accepts a wildcard product with its free base name, validated by dns', () => {
    const result = validateOrder(
      dvSingle({ product: 'dv-wildcard', csr: csrFor('*.example.com', 'example.com'), domains: ['*.example.com', 'example.com'], dcv: { '*.example.com': { method: 'dns' } } }),
      deps,
    );
    expect(result.errors).toEqual([]);
    expect(result.order?.dcv).toEqual({ '*.example.com': { method: 'dns' }, 'example.com': { method: 'email', email: 'admin@example.com' } });
  });

  it('refuses http for the wildcard of a wildcard product', () => {
    const input = dvSingle({ product: 'dv-wildcard', csr: csrFor('*.example.com', 'example.com'), domains: ['*.example.com', 'example.com'], dcv: { '*.example.com': { method: 'http' } } });
    expect(paths(input)).toEqual([['dcv["*.example.com"].method', 'dcv.http_not_for_wildcard']]);
  });

  it('accepts a public IP address on dv-multi validated by http', () => {
    const input = dvSingle({ product: 'dv-multi', csr: csrFor('example.com', '8.8.8.8'), domains: ['example.com', '8.8.8.8'], dcv: { '8.8.8.8': { method: 'http' } } });
    const result = validateOrder(input, deps);
    expect(result.errors).toEqual([]);
    expect(result.order?.domains[1]).toMatchObject({ ascii: '8.8.8.8', kind: 'ip' });
  });
});

describe('validateOrder: approver and dcv', () => {
  const multi = () =>
    dvSingle({
      product: 'dv-multi',
      csr: csrFor('example.com', 'www.example.com', 'example.org'),
      domains: ['example.com', 'www.example.com', 'example.org'],
      approverEmail: 'admin@example.com',
    });

  it('names the domain of another registrable domain that the approver address does not cover', () => {
    const errors = validateOrder(multi(), deps).errors;
    expect(errors).toEqual([expect.objectContaining({ path: 'approverEmail', code: 'approver.not_allowed', message: expect.stringContaining('example.org') })]);
  });

  it('accepts a multi-domain order when dcv covers the other registrable domain', () => {
    const result = validateOrder({ ...multi(), dcv: { 'example.org': { method: 'email', email: 'hostmaster@example.org' } } }, deps);
    expect(result.errors).toEqual([]);
    expect(result.order?.dcv['example.org']).toEqual({ method: 'email', email: 'hostmaster@example.org' });
  });

  it('puts a wrong dcv email on dcv["example.com"].email', () => {
    const errors = validateOrder(dvSingle({ dcv: { 'example.com': { method: 'email', email: 'admin@example.org' } } }), deps).errors;
    expect(errors.map((e) => [e.path, e.code])).toEqual([['dcv["example.com"].email', 'dcv.email_not_allowed']]);
  });

  it('refuses a dcv key that is not an order domain', () => {
    expect(paths(dvSingle({ dcv: { 'shop.example.com': { method: 'dns' } } }))).toEqual([['dcv["shop.example.com"]', 'dcv.unknown_domain']]);
  });

  it('treats a __proto__ dcv key as an unknown domain', () => {
    const dcv = JSON.parse('{"__proto__": {"method": "dns"}}') as unknown;
    expect(paths(dvSingle({ dcv }))).toEqual([['dcv["__proto__"]', 'dcv.unknown_domain']]);
  });

  it('still requires a valid approver address when every domain uses dns', () => {
    const dcv = { 'example.com': { method: 'dns' }, 'www.example.com': { method: 'dns' } };
    expect(paths(dvSingle({ dcv, approverEmail: undefined }))).toEqual([['approverEmail', 'email.required']]);
    expect(validateOrder(dvSingle({ dcv, approverEmail: 'it@customer.example.org' }), deps).order?.approverEmail).toBe('it@customer.example.org');
  });
});

describe('validateOrder: OV and EV', () => {
  const ov = (overrides: Record<string, unknown> = {}) => dvSingle({ product: 'ov-single', organization, ...overrides });

  it('accepts an OV order with its organisation', () => {
    const result = validateOrder(ov(), deps);
    expect(result.errors).toEqual([]);
    expect(result.order?.organization).toEqual(organization);
  });

  it('requires the organisation for OV', () => {
    expect(paths(ov({ organization: undefined }))).toEqual([['organization', 'organization.required']]);
  });

  it('puts organisation field errors on their paths', () => {
    expect(paths(ov({ organization: { ...organization, legalName: '', country: 'Germany' } }))).toEqual([
      ['organization.legalName', 'text.required'],
      ['organization.country', 'country.unknown'],
    ]);
  });

  it('requires the EV fields for EV', () => {
    expect(paths(ov({ product: 'ev-single' }))).toEqual([
      ['organization.jurisdictionCountry', 'country.required'],
      ['organization.businessCategory', 'business_category.required'],
    ]);
  });

  it('accepts an EV order', () => {
    const ev = { ...organization, jurisdictionCountry: 'DE', businessCategory: 'private_organization' };
    expect(validateOrder(ov({ product: 'ev-single', organization: ev }), deps).order?.organization).toEqual(ev);
  });

  it('refuses a wildcard on EV', () => {
    const input = ov({ product: 'ev-multi', csr: csrFor('*.example.com'), domains: ['*.example.com'], organization: { ...organization, jurisdictionCountry: 'DE', businessCategory: 'private_organization' } });
    expect(paths(input)).toEqual([['domains[0]', 'domain.wildcard_not_allowed']]);
  });
});
