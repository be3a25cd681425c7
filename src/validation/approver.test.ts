import { describe, expect, it } from 'vitest';
import { APPROVER_LOCAL_PARTS, approverEmailsFor, approverEmailsForInput, resolveDcv, validateDcv } from './approver.js';
import { normalizeName } from './domains.js';
import type { NormalizedName } from './domains.js';

function names(...inputs: string[]): NormalizedName[] {
  return inputs.map((input, i) => {
    const result = normalizeName(input, `domains[${i}]`);
    if (!result.ok) throw new Error(`bad test name ${input}`);
    return result.value;
  });
}

function codes(errors: readonly { path: string; code: string }[]): string[][] {
  return errors.map((e) => [e.path, e.code]);
}

describe('approverEmailsFor (BR 3.2.2.4.4 constructed addresses)', () => {
  it('has the five constructed local parts', () => {
    expect(APPROVER_LOCAL_PARTS).toEqual(['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster']);
  });

  it('lists the addresses at the name itself for a registrable domain', () => {
    expect(approverEmailsFor('example.com')).toEqual([
      'admin@example.com',
      'administrator@example.com',
      'webmaster@example.com',
      'hostmaster@example.com',
      'postmaster@example.com',
    ]);
  });

  it('lists the name and each parent down to the registrable domain, most specific first', () => {
    const emails = approverEmailsFor('a.b.example.co.uk');
    expect(emails).toHaveLength(15);
    expect(emails.slice(0, 1)).toEqual(['admin@a.b.example.co.uk']);
    expect(emails).toContain('postmaster@b.example.co.uk');
    expect(emails.at(-1)).toBe('postmaster@example.co.uk');
    expect(emails.some((e) => e.endsWith('@co.uk'))).toBe(false);
  });

  it('uses the name without *. for a wildcard', () => {
    expect(approverEmailsFor('*.shop.example.com')).toEqual([
      ...APPROVER_LOCAL_PARTS.map((l) => `${l}@shop.example.com`),
      ...APPROVER_LOCAL_PARTS.map((l) => `${l}@example.com`),
    ]);
  });

  it('has no addresses for an IP address', () => {
    expect(approverEmailsFor('8.8.8.8')).toEqual([]);
    expect(approverEmailsFor('2606:4700::1111')).toEqual([]);
  });

  it('has no addresses for a public suffix', () => {
    expect(approverEmailsFor('co.uk')).toEqual([]);
  });
});

describe('approverEmailsForInput (GET /v1/approver-emails)', () => {
  it('normalises an IDN and returns both forms with the addresses', () => {
    const result = approverEmailsForInput(' www.Bücher.de ');
    expect(result).toEqual({
      ok: true,
      value: {
        domain: 'www.xn--bcher-kva.de',
        unicode: 'www.bücher.de',
        emails: [...APPROVER_LOCAL_PARTS.map((l) => `${l}@www.xn--bcher-kva.de`), ...APPROVER_LOCAL_PARTS.map((l) => `${l}@xn--bcher-kva.de`)],
      },
    });
  });

  it('refuses a missing domain', () => {
    expect(approverEmailsForInput(undefined)).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'domain', code: 'domain.required' })] });
  });

  it('refuses a non-string domain', () => {
    expect(approverEmailsForInput(['example.com'])).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'domain', code: 'domain.type' })] });
  });

  it('passes on the name rules', () => {
    expect(approverEmailsForInput('foo.local')).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'domain', code: 'domain.internal_name' })] });
  });

  it('refuses an IP address, which has no approver addresses', () => {
    expect(approverEmailsForInput('8.8.8.8')).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'domain', code: 'approver.ip_address' })] });
  });
});

describe('validateDcv: the approver email contact', () => {
  it('accepts a constructed address at the domain for every name without dcv', () => {
    expect(validateDcv(names('example.com', 'www.example.com'), 'admin@example.com', undefined)).toEqual([]);
  });

  it('accepts an address at a parent domain and compares case-insensitively', () => {
    expect(validateDcv(names('a.b.example.co.uk'), 'HostMaster@B.Example.co.uk', undefined)).toEqual([]);
  });

  it('accepts an IDN approver address in either form', () => {
    expect(validateDcv(names('bücher.de'), 'admin@bücher.de', undefined)).toEqual([]);
    expect(validateDcv(names('bücher.de'), 'admin@xn--bcher-kva.de', undefined)).toEqual([]);
  });

  it('is required even when every name uses another method', () => {
    expect(codes(validateDcv(names('example.com'), undefined, { 'example.com': { method: 'dns' } }))).toEqual([['approverEmail', 'email.required']]);
  });

  it('must be a valid address even when every name uses another method', () => {
    expect(codes(validateDcv(names('example.com'), 'not an address', { 'example.com': { method: 'dns' } }))).toEqual([['approverEmail', 'email.invalid']]);
  });

  it('may be any valid address when every name uses dns or http', () => {
    expect(validateDcv(names('example.com', 'www.example.com'), 'it@customer.example.org', { 'example.com': { method: 'dns' }, 'www.example.com': { method: 'http' } })).toEqual([]);
  });

  it('refuses an address that is not a constructed one (local part)', () => {
    const errors = validateDcv(names('example.com'), 'info@example.com', undefined);
    expect(errors).toEqual([expect.objectContaining({ path: 'approverEmail', code: 'approver.not_allowed', message: expect.stringContaining('example.com') })]);
  });

  it('refuses an address at an unrelated domain', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.org', undefined))).toEqual([['approverEmail', 'approver.not_allowed']]);
  });

  it('refuses an address at a subdomain of the name (only the name and its parents count)', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@mail.example.com', undefined))).toEqual([['approverEmail', 'approver.not_allowed']]);
  });

  it('names each domain of another registrable domain that the address does not cover', () => {
    const errors = validateDcv(names('example.com', 'www.example.com', 'example.org', 'shop.example.net'), 'admin@example.com', undefined);
    expect(codes(errors)).toEqual([
      ['approverEmail', 'approver.not_allowed'],
      ['approverEmail', 'approver.not_allowed'],
    ]);
    expect(errors[0]?.message).toContain('example.org');
    expect(errors[1]?.message).toContain('shop.example.net');
  });

  it('accepts a multi-domain order over several registrable domains when dcv covers the others', () => {
    const dcv = {
      'example.org': { method: 'email', email: 'webmaster@example.org' },
      'shop.example.net': { method: 'dns' },
    };
    expect(validateDcv(names('example.com', 'example.org', 'shop.example.net'), 'admin@example.com', dcv)).toEqual([]);
  });
});

describe('validateDcv: dcv choices', () => {
  it('refuses dcv that is not an object', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', ['dns']))).toEqual([['dcv', 'dcv.type']]);
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', 'dns'))).toEqual([['dcv', 'dcv.type']]);
  });

  it('refuses a key that is not one of the order domains, on that key', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', { 'other.example': { method: 'dns' } }))).toEqual([['dcv["other.example"]', 'dcv.unknown_domain']]);
  });

  it('treats prototype keys as unknown domains, not as object machinery', () => {
    const dcv = JSON.parse('{"__proto__": {"method": "dns"}, "constructor": {"method": "dns"}}') as unknown;
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', dcv))).toEqual([
      ['dcv["__proto__"]', 'dcv.unknown_domain'],
      ['dcv["constructor"]', 'dcv.unknown_domain'],
    ]);
  });

  it('refuses more entries than any order has names, without reading them', () => {
    const dcv = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`n${i}.example.com`, { method: 'dns' }]));
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', dcv))).toEqual([['dcv', 'dcv.too_many']]);
  });

  it('accepts the key as given (U-label) or as its A-label', () => {
    const n = names('bücher.de');
    expect(validateDcv(n, 'it@example.org', { 'bücher.de': { method: 'dns' } })).toEqual([]);
    expect(validateDcv(n, 'it@example.org', { 'xn--bcher-kva.de': { method: 'dns' } })).toEqual([]);
  });

  it('refuses two keys for the same domain', () => {
    expect(codes(validateDcv(names('bücher.de'), 'it@example.org', { 'bücher.de': { method: 'dns' }, 'xn--bcher-kva.de': { method: 'http' } }))).toEqual([
      ['dcv["xn--bcher-kva.de"]', 'dcv.duplicate_domain'],
    ]);
  });

  it('refuses an entry that is not an object', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', { 'example.com': 'dns' }))).toEqual([['dcv["example.com"]', 'dcv.entry_type']]);
  });

  it('refuses an entry without a method', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', { 'example.com': {} }))).toEqual([['dcv["example.com"].method', 'dcv.method_required']]);
  });

  it('refuses an unknown method', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', { 'example.com': { method: 'whois' } }))).toEqual([['dcv["example.com"].method', 'dcv.method_unknown']]);
  });

  it('refuses http for a wildcard (BR 3.2.2.4.18)', () => {
    expect(codes(validateDcv(names('*.example.com'), 'admin@example.com', { '*.example.com': { method: 'http' } }))).toEqual([['dcv["*.example.com"].method', 'dcv.http_not_for_wildcard']]);
  });

  it('accepts dns for a wildcard (BR 3.2.2.4.7)', () => {
    expect(validateDcv(names('*.example.com'), 'it@example.org', { '*.example.com': { method: 'dns' } })).toEqual([]);
  });

  it('requires the email of an email choice', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', { 'example.com': { method: 'email' } }))).toEqual([['dcv["example.com"].email', 'email.required']]);
  });

  it('refuses a malformed email of an email choice', () => {
    expect(codes(validateDcv(names('example.com'), 'admin@example.com', { 'example.com': { method: 'email', email: 'admin@@example.com' } }))).toEqual([
      ['dcv["example.com"].email', 'email.invalid'],
    ]);
  });

  it('refuses an email choice that is not a constructed address of that domain', () => {
    const errors = validateDcv(names('example.com'), 'admin@example.com', { 'example.com': { method: 'email', email: 'admin@example.org' } });
    expect(errors).toEqual([expect.objectContaining({ path: 'dcv["example.com"].email', code: 'dcv.email_not_allowed' })]);
  });

  it('refuses email and dns for an IP address (BR 3.2.2.5)', () => {
    const n = names('example.com', '8.8.8.8');
    expect(codes(validateDcv(n, 'admin@example.com', { '8.8.8.8': { method: 'email', email: 'admin@example.com' } }))).toEqual([['dcv["8.8.8.8"].method', 'dcv.email_not_for_ip']]);
    expect(codes(validateDcv(n, 'admin@example.com', { '8.8.8.8': { method: 'dns' } }))).toEqual([['dcv["8.8.8.8"].method', 'dcv.dns_not_for_ip']]);
  });

  it('requires an explicit http choice for an IP address', () => {
    expect(codes(validateDcv(names('example.com', '8.8.8.8'), 'admin@example.com', undefined))).toEqual([['dcv["8.8.8.8"]', 'dcv.required_for_ip']]);
    expect(validateDcv(names('example.com', '8.8.8.8'), 'admin@example.com', { '8.8.8.8': { method: 'http' } })).toEqual([]);
  });

  it('uses the given paths', () => {
    expect(codes(validateDcv(names('example.com'), 'x', { nope: {} }, { approverEmail: 'a', dcv: 'b' }))).toEqual([
      ['a', 'email.invalid'],
      ['b["nope"]', 'dcv.unknown_domain'],
    ]);
  });
});

describe('resolveDcv', () => {
  it('resolves every name: dcv choices as given, the rest by email to the approver', () => {
    const result = resolveDcv(names('example.com', 'Bücher.de', '*.example.com'), 'Admin@Example.com', {
      'bücher.de': { method: 'email', email: 'postmaster@bücher.de' },
      '*.example.com': { method: 'dns', extra: 'ignored' },
    });
    expect(result).toEqual({
      errors: [],
      value: {
        approverEmail: 'Admin@example.com',
        dcv: {
          'example.com': { method: 'email', email: 'Admin@example.com' },
          'xn--bcher-kva.de': { method: 'email', email: 'postmaster@xn--bcher-kva.de' },
          '*.example.com': { method: 'dns' },
        },
      },
    });
  });

  it('does not report unknown keys while the domain list is incomplete', () => {
    expect(resolveDcv(names('example.com'), 'admin@example.com', { 'typo.example.com': { method: 'dns' } }, { namesComplete: false }).errors).toEqual([]);
  });

  it('gives no value when there is an error', () => {
    expect(resolveDcv(names('example.com'), 'info@example.com', undefined).value).toBeUndefined();
  });
});
