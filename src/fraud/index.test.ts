import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FRAUD_CONFIG, screenOrder, skeleton, type ScreenInput } from './index.js';

const NOW = new Date('2026-11-26T12:00:00Z');

function input(overrides: { domains?: string[]; validation?: 'dv' | 'ov' | 'ev'; adminEmail?: string; country?: string; organization?: ScreenInput['order']['organization']; history?: Partial<ScreenInput['history']>; reseller?: Partial<ScreenInput['reseller']>; price?: number } = {}): ScreenInput {
  const domains = (overrides.domains ?? ['shop.example.com']).map((d) => domainToASCII(d));
  return {
    order: {
      id: 'ord_1',
      product: overrides.validation === 'ov' ? 'ov-single' : overrides.validation === 'ev' ? 'ev-single' : 'dv-single',
      validation: overrides.validation ?? 'dv',
      domains,
      approverEmail: `admin@${domains[0]}`,
      adminContact: { email: overrides.adminEmail ?? 'ada@customer.example.org', country: overrides.country ?? 'DE', firstName: 'Ada', lastName: 'Lovelace' },
      organization: overrides.organization ?? null,
      priceAmount: overrides.price ?? 900,
      currency: 'EUR',
      createdAt: NOW,
    },
    reseller: { id: 'res_1', createdAt: new Date('2025-01-01T00:00:00Z'), ordersPlaced: 100, totalSpent: 90_000, ...overrides.reseller },
    history: { resellerOrdersLastHour: 0, resellerOrdersLastDay: 0, domainOrdersLastDay: 0, sameDomainOtherResellerRecently: false, ...overrides.history },
    now: NOW,
  };
}

const rules = (i: ScreenInput) => screenOrder(i).hits.map((h) => h.rule);

describe('the fraud screen', () => {
  it('lets ordinary orders through with no points', () => {
    for (const domain of ['shop.example.com', 'my-bakery.de', 'www.example.org', 'paypal.com', 'login.microsoft.com', 'google.co.uk']) {
      expect(screenOrder(input({ domains: [domain] }))).toEqual({ score: 0, hold: false, hits: [] });
    }
  });

  it('holds Cyrillic and Greek look-alikes of at least ten major brands, and explains why', () => {
    const lookAlikes: [string, string][] = [
      ['раураl.com', 'paypal'], // Cyrillic р а у а
      ['аррle-id.com', 'apple'], // Cyrillic а р р
      ['miсrosoft.net', 'microsoft'], // Cyrillic с
      ['gооgle.org', 'google'], // Cyrillic о о
      ['аmazon-billing.com', 'amazon'],
      ['nеtflix.info', 'netflix'], // Cyrillic е
      ['fасebook.co', 'facebook'],
      ['сhase.online', 'chase'],
      ['hsbс.biz', 'hsbc'],
      ['сoinbase.app', 'coinbase'],
      ['bιnance.com', 'binance'], // Greek ι
      ['rеvolut.eu', 'revolut'],
    ];
    for (const [name, brand] of lookAlikes) {
      const result = screenOrder(input({ domains: [name] }));
      expect(result.hold, name).toBe(true);
      expect(result.hits.find((h) => h.rule === 'name.brand_lookalike')?.reason, name).toContain(`"${brand}"`);
      expect(result.score).toBe(result.hits.reduce((sum, h) => sum + h.score, 0));
    }
  });

  it('finds mixed scripts in one label', () => {
    expect(rules(input({ domains: ['раypal-example.com'] }))).toContain('name.mixed_scripts');
    expect(rules(input({ domains: ['пример.рф'] }))).not.toContain('name.mixed_scripts');
  });

  it('holds typo-squats and digit look-alikes, more so with lure words', () => {
    for (const name of ['paypa1.com', 'micros0ft-login.com', 'arnazon.com', 'g00gle.com', 'faceb00k-secure.net', 'amazom.com', 'bankofamerika.com']) {
      expect(screenOrder(input({ domains: [name] })).hold, name).toBe(true);
    }
    const lure = screenOrder(input({ domains: ['micros0ft-login.com'] }));
    expect(lure.hits.map((h) => h.rule)).toEqual(expect.arrayContaining(['name.brand_lookalike', 'name.brand_lure']));
  });

  it('scores an ordinary word that contains a brand low, below the hold', () => {
    const result = screenOrder(input({ domains: ['apple-pie-recipes.com'] }));
    expect(result.hits.map((h) => h.rule)).toEqual(['name.brand']);
    expect(result.hold).toBe(false);
  });

  it('holds orders from sanctioned countries, in the contact or the organisation', () => {
    expect(rules(input({ country: 'KP' }))).toContain('contact.sanctioned_country');
    expect(screenOrder(input({ validation: 'ov', organization: { legalName: 'X', country: 'DE', jurisdictionCountry: 'IR' } })).hold).toBe(true);
    expect(rules(input({ country: 'DE' }))).not.toContain('contact.sanctioned_country');
  });

  it('weighs disposable and free mailboxes by the validation level', () => {
    const dv = screenOrder(input({ adminEmail: 'x@mailinator.com' }));
    expect(dv.hits.map((h) => h.rule)).toEqual(['contact.disposable_email']);
    expect(dv.hold).toBe(false);
    expect(screenOrder(input({ validation: 'ev', adminEmail: 'x@mailinator.com' })).hold).toBe(true);
    expect(rules(input({ validation: 'ov', adminEmail: 'ceo@gmail.com' }))).toEqual(['contact.free_mail_on_validated']);
    expect(rules(input({ validation: 'dv', adminEmail: 'ceo@gmail.com' }))).toEqual([]);
  });

  it('counts velocity per reseller and per domain against the configured limits', () => {
    expect(rules(input({ history: { resellerOrdersLastHour: 30 } }))).toEqual(['velocity.reseller']);
    expect(rules(input({ history: { resellerOrdersLastHour: 29, resellerOrdersLastDay: 199 } }))).toEqual([]);
    expect(rules(input({ history: { domainOrdersLastDay: 5 } }))).toEqual(['velocity.domain']);
    const strict = { ...DEFAULT_FRAUD_CONFIG, velocity: { resellerPerHour: 2, resellerPerDay: 10, domainPerDay: 1 } };
    expect(screenOrder(input({ history: { resellerOrdersLastHour: 2 } }), strict).hits.map((h) => h.rule)).toEqual(['velocity.reseller']);
  });

  it('notices a new reseller’s unusually large order and a domain another reseller ordered', () => {
    const young = { createdAt: new Date('2026-11-20T00:00:00Z'), ordersPlaced: 1, totalSpent: 900 };
    expect(rules(input({ reseller: young, price: 60_000 }))).toEqual(['reseller.new_large_order']);
    expect(rules(input({ reseller: young, price: 900 }))).toEqual([]);
    expect(rules(input({ history: { sameDomainOtherResellerRecently: true } }))).toEqual(['domain.other_reseller']);
  });

  it('holds exactly at the configured threshold and is deterministic', () => {
    const i = input({ domains: ['apple-login.com'] });
    const first = screenOrder(i);
    expect(screenOrder(i)).toEqual(first);
    expect(screenOrder(i, { ...DEFAULT_FRAUD_CONFIG, holdThreshold: first.score }).hold).toBe(true);
    expect(screenOrder(i, { ...DEFAULT_FRAUD_CONFIG, holdThreshold: first.score + 1 }).hold).toBe(false);
  });

  it('folds look-alike letters into a skeleton', () => {
    expect(skeleton('раураl')).toBe('paypal');
    expect(skeleton('ｐａｙｐａｌ')).toBe('paypal');
    expect(skeleton('rnicrosoft')).toBe('microsoft');
    expect(skeleton('g00gle')).toBe('google');
  });
});
