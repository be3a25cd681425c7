import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FRAUD_CONFIG, FRAUD_RULES, SCORES, screenOrder, type FraudConfig, type ScreenInput } from './index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const DAY = 86_400_000;

interface Overrides {
  /** Unicode or ASCII; stored as A-labels, as the platform does. */
  domains?: string[];
  validation?: 'dv' | 'ov' | 'ev';
  adminEmail?: string;
  approverEmail?: string;
  country?: string;
  organization?: ScreenInput['order']['organization'];
  history?: Partial<ScreenInput['history']>;
  reseller?: Partial<ScreenInput['reseller']>;
  price?: number;
}

/** An ordinary order by an established reseller that scores nothing, changed by `o`. */
function input(o: Overrides = {}): ScreenInput {
  const domains = (o.domains ?? ['shop.example.com']).map((d) => (d.startsWith('*.') ? `*.${domainToASCII(d.slice(2))}` : domainToASCII(d)));
  const validation = o.validation ?? 'dv';
  return {
    order: {
      id: 'ord_1',
      product: `${validation}-single`,
      validation,
      domains,
      approverEmail: o.approverEmail ?? `admin@${domains[0]?.replace(/^\*\./, '')}`,
      adminContact: { email: o.adminEmail ?? 'ada@customer.example.org', country: o.country ?? 'DE', firstName: 'Ada', lastName: 'Lovelace' },
      organization: o.organization ?? null,
      priceAmount: o.price ?? 900,
      currency: 'EUR',
      createdAt: NOW,
    },
    reseller: { id: 'res_1', createdAt: new Date('2025-01-01T00:00:00Z'), ordersPlaced: 100, totalSpent: 90_000, ...o.reseller },
    history: { resellerOrdersLastHour: 0, resellerOrdersLastDay: 0, domainOrdersLastDay: 0, sameDomainOtherResellerRecently: false, ...o.history },
    now: NOW,
  };
}

const screen = (o: Overrides, config?: FraudConfig) => screenOrder(input(o), config);
const rules = (o: Overrides, config?: FraudConfig) => screen(o, config).hits.map((h) => h.rule);
const names = (...domains: string[]) => rules({ domains });

describe('ordinary orders', () => {
  it('score nothing, including a brand’s own domains', () => {
    for (const domain of [
      'shop.example.com', 'example.com', 'my-bakery.de', 'shop.example.org', 'bücher.de', 'пример.рф', '例え.jp', '*.example.net', '192.0.2.1', '2001:db8::1',
      'paypal.com', 'www.paypal.com', 'login.microsoft.com', 'outlook.office365.com', '*.google.co.uk', 'hmrc.gov.uk', 'www.gov.uk', 'sparkasse.de',
      // Everyday words one slip from a brand (binance, steam, gmail, icloud) are on the ordinary-words list.
      'finance-update.com', 'stream-live.com', 'email-marketing.de', 'cloud.example.com',
    ]) {
      expect(screen({ domains: [domain] }), domain).toEqual({ score: 0, hold: false, hits: [] });
    }
  });
});

describe('name.brand_lookalike: IDN confusables by skeleton', () => {
  // Each built from Cyrillic or Greek letters that render as Latin, stored as the A-label.
  const lookAlikes: [string, string][] = [
    ['раураl.com', 'paypal'], // Cyrillic р а у а
    ['аррle-id.com', 'apple'], // Cyrillic а р р
    ['miсrosoft.net', 'microsoft'], // Cyrillic с
    ['gооgle.org', 'google'], // Cyrillic о о
    ['аmazon.shop', 'amazon'], // Cyrillic а
    ['nеtflix.info', 'netflix'], // Cyrillic е
    ['fасebook.co', 'facebook'], // Cyrillic а с
    ['іnstagram.app', 'instagram'], // Cyrillic і
    ['сhase.online', 'chase'], // Cyrillic с
    ['hsbс.biz', 'hsbc'], // Cyrillic с
    ['сoinbase.app', 'coinbase'], // Cyrillic с
    ['bιnance.com', 'binance'], // Greek ι
    ['rеvolut.eu', 'revolut'], // Cyrillic е
    ['ѕparkasse.de', 'sparkasse'], // Cyrillic ѕ
    ['ԁropbox.com', 'dropbox'], // Cyrillic ԁ
    ['wеllsfargo.com', 'wellsfargo'], // Cyrillic е
    ['ebαy.com', 'ebay'], // Greek α
    ['аррӏе.com', 'apple'], // all Cyrillic: no mixed scripts, still a look-alike
  ];

  it.each(lookAlikes)('holds %s, a look-alike of %s, and says why', (unicode, brand) => {
    const ascii = domainToASCII(unicode);
    expect(ascii).toMatch(/^xn--/);
    const result = screenOrder(input({ domains: [unicode] }));
    expect(result.hold).toBe(true);
    const hit = result.hits.find((h) => h.rule === 'name.brand_lookalike');
    expect(hit?.score).toBe(SCORES.brandLookalike);
    expect(hit?.reason).toContain(`"${unicode}" (${ascii}) looks like the brand "${brand}"`);
    expect(hit?.reason).toMatch(/(Cyrillic|Greek) letters that render as Latin: skeleton "/);
  });

  it('explains in one sentence what the name looks like and why', () => {
    expect(screen({ domains: ['раураl.com'] }).hits[0]).toEqual({
      rule: 'name.brand_lookalike',
      score: 60,
      reason: `"раураl.com" (${domainToASCII('раураl.com')}) looks like the brand "paypal" (Cyrillic letters that render as Latin: skeleton "paypal").`,
    });
  });

  it('counts a look-alike once per registrable domain however many of its names the order has', () => {
    const hits = screen({ domains: ['раураl.com', 'www.раураl.com', '*.раураl.com'] }).hits;
    expect(hits.map((h) => h.rule)).toEqual(['name.brand_lookalike', 'name.mixed_scripts']);
  });

  it('finds a brand’s whole domain in front of someone else’s', () => {
    const result = screen({ domains: ['www.paypal.com.account-check.example'] });
    expect(result.hold).toBe(true);
    expect(result.hits.map((h) => h.reason).join(' ')).toContain('carries the brand domain "paypal.com" in front of another domain');
    // Only subdomain labels count: the brand under another suffix is the weak brand sign, not this one.
    expect(names('paypal.com.au')).toEqual(['name.brand']);
  });
});

describe('name.mixed_scripts', () => {
  it('fires on Latin mixed with Cyrillic or Greek in one label, and alone does not hold', () => {
    expect(names('раypal-example.com')).toContain('name.mixed_scripts');
    expect(names('bιnance.com')).toContain('name.mixed_scripts');
    const noBrand = screen({ domains: ['shор-online.de'] }); // Cyrillic о р in a word that is no brand
    expect(noBrand.hits).toEqual([
      { rule: 'name.mixed_scripts', score: SCORES.mixedScripts, reason: `"shор-online.de" (${domainToASCII('shор-online.de')}) mixes Latin and Cyrillic letters in the label "shор-online", a common disguise.` },
    ]);
    expect(noBrand.hold).toBe(false);
  });

  it('does not fire on single-script labels or on Latin next to CJK scripts', () => {
    expect(names('пример.рф', 'bücher.de', '例えexample.jp', 'example.com')).toEqual([]);
  });
});

describe('name.brand_typo and look-alikes in ASCII', () => {
  it.each(['paypa1.com', 'micros0ft-login.com', 'arnazon.com', 'g00gle.com', 'faceb00k-secure.net', 'icl0ud.com', 'vvalmart.com'])('holds %s', (domain) => {
    const result = screen({ domains: [domain] });
    expect(result.hold).toBe(true);
    expect(result.hits[0]?.rule).toBe('name.brand_lookalike');
  });

  it('holds one slip from a brand of five or more letters, two from nine or more', () => {
    for (const [domain, brand] of [
      ['amazom.com', 'amazon'],
      ['paypall.de', 'paypal'],
      ['netflx.tv', 'netflix'],
      ['gooogle.com', 'google'],
      ['bankofamerika.com', 'bankofamerica'],
      ['deutschbnak.de', 'deutschebank'],
      ['pay-pal.com', 'paypal'],
    ] as const) {
      const result = screen({ domains: [domain] });
      expect(result.hits.map((h) => h.rule), domain).toEqual(['name.brand_typo']);
      expect(result.hits[0]?.reason, domain).toContain(`the brand "${brand}"`);
      expect(result.hold, domain).toBe(true);
    }
  });

  it('leaves short brands, everyday words near a brand and far names alone', () => {
    expect(names('dhll.de', 'vise.com', 'finance.com', 'stream.tv', 'apply.jobs', 'cloud.io', 'email.org', 'my-bakery.de')).toEqual([]);
    // Two joined words come near a long brand by chance: a joined label gets one slip only.
    expect(names('master-cage.de')).toEqual([]);
  });
});

describe('name.brand, name.brand_embedded and name.brand_lure', () => {
  it('scores a brand in someone else’s name below the hold, and with a lure word above it', () => {
    const plain = screen({ domains: ['paypal.example.com'] });
    expect(plain.hits.map((h) => [h.rule, h.score])).toEqual([['name.brand', SCORES.brand]]);
    expect(plain.hold).toBe(false);
    const lured = screen({ domains: ['paypal-secure-login.com'] });
    expect(lured.hits.map((h) => [h.rule, h.score])).toEqual([
      ['name.brand', SCORES.brand],
      ['name.brand_lure', SCORES.brandLure],
    ]);
    expect(lured.hits[1]?.reason).toBe('"paypal-secure-login.com" pairs the brand "paypal" with "login" and "secure", words phishing pages are named with.');
    expect(lured.hold).toBe(true);
  });

  it('reads a brand glued to lure or filler words as the brand', () => {
    for (const domain of ['paypalsecure.com', 'hsbclogin.com', 'appleid-verify.com', 'mypaypal-account.net', 'icloudsupport.net']) {
      const result = screen({ domains: [domain] });
      expect(result.hits.map((h) => h.rule), domain).toEqual(['name.brand', 'name.brand_lure']);
      expect(result.hold, domain).toBe(true);
    }
    expect(screen({ domains: ['paypalsecure.com'] }).hits[0]?.reason).toBe('"paypalsecure.com" contains the brand "paypal" joined with "secure" but is not one of the brand’s own domains.');
  });

  it('scores an ordinary word that contains a brand at 15, so it never holds on its own', () => {
    // "applepie" and "purchase" contain "apple" and "chase": ordinary words, worth a note, not a hold.
    const pie = screen({ domains: ['applepie-recipes.com'] });
    expect(pie.hits.map((h) => [h.rule, h.score])).toEqual([['name.brand_embedded', 15]]);
    expect(pie.hits[0]?.reason).toContain('inside the word "applepie"');
    // The brand standing alone between hyphens is the weak brand sign: 30, still no hold.
    expect(screen({ domains: ['apple-pie-recipes.com'] })).toMatchObject({ score: SCORES.brand, hold: false });
    // Even with a lure word nearby the embedded brand stays below the hold (15 + 30).
    expect(screen({ domains: ['purchase-account.com'] })).toMatchObject({ score: 45, hold: false });
    // `ing` is too short to count inside a word: "accounting" is not the bank.
    expect(names('accounting-services.com')).toEqual([]);
  });

  it('keeps the brand’s own domains out, from the configuration', () => {
    expect(names('paypal-login.example')).toContain('name.brand');
    const config = { ...DEFAULT_FRAUD_CONFIG, brandDomains: [...DEFAULT_FRAUD_CONFIG.brandDomains, 'paypal-login.example'] };
    expect(screen({ domains: ['paypal-login.example', 'www.paypal-login.example'] }, config).hits).toEqual([]);
  });

  it('screens configured brands and ordinary words, normalising how they are written', () => {
    const config = { ...DEFAULT_FRAUD_CONFIG, brands: ['Acme-Bank'], ordinaryWords: ['acmebark'] };
    expect(rules({ domains: ['асmebank.com'] }, config)).toContain('name.brand_lookalike');
    expect(rules({ domains: ['acmebamk.com'] }, config)).toEqual(['name.brand_typo']);
    expect(rules({ domains: ['acmebark.com'] }, config)).toEqual([]);
    expect(rules({ domains: ['paypa1.com'] }, config)).toEqual([]);
  });

  it('treats "gov" outside a government suffix as a high-risk name', () => {
    const refund = screen({ domains: ['gov-refund.com'] });
    expect(refund.hits.map((h) => h.rule)).toEqual(['name.brand', 'name.brand_lure']);
    expect(refund.hold).toBe(true);
    expect(names('www.gov.uk', 'irs.gov', 'tax.service.gov.uk')).toEqual([]);
  });
});

describe('contact.sanctioned_country', () => {
  it('fires for the administrative contact, the organisation and its jurisdiction', () => {
    expect(screen({ country: 'KP' }).hits).toEqual([{ rule: 'contact.sanctioned_country', score: 100, reason: 'The administrative contact’s country is KP, which is on the sanctions list.' }]);
    const org = screen({ validation: 'ov', adminEmail: 'it@customer.example.org', organization: { legalName: 'X Ltd', country: 'ir', jurisdictionCountry: 'SY' } });
    expect(org.hits.map((h) => h.reason)).toEqual([
      'The organisation’s country is IR, which is on the sanctions list.',
      'The organisation’s jurisdiction of incorporation is SY, which is on the sanctions list.',
    ]);
    expect(org.hold).toBe(true);
  });

  it('does not fire elsewhere, and takes the list from the configuration', () => {
    expect(rules({ country: 'DE', validation: 'ev', organization: { legalName: 'Y GmbH', country: 'AT' } })).toEqual([]);
    expect(rules({ country: 'DE' }, { ...DEFAULT_FRAUD_CONFIG, sanctionedCountries: ['DE'] })).toEqual(['contact.sanctioned_country']);
  });
});

describe('contact.disposable_email and contact.free_mail', () => {
  it('weighs a throwaway mailbox lightly on DV and holds it on OV/EV', () => {
    const dv = screen({ adminEmail: 'x@mailinator.com' });
    expect(dv.hits).toEqual([{ rule: 'contact.disposable_email', score: 20, reason: 'The administrative contact’s address "x@mailinator.com" is at mailinator.com, a throwaway mailbox service.' }]);
    expect(dv.hold).toBe(false);
    const ev = screen({ validation: 'ev', adminEmail: 'x@eu.yopmail.com' });
    expect(ev.hits.map((h) => [h.rule, h.score])).toEqual([['contact.disposable_email', 50]]);
    expect(ev.hold).toBe(true);
    expect(rules({ approverEmail: 'admin@guerrillamail.com' })).toEqual(['contact.disposable_email']);
  });

  it('notes a free mailbox on OV/EV only', () => {
    expect(screen({ validation: 'ov', adminEmail: 'ceo@gmail.com' }).hits).toEqual([
      { rule: 'contact.free_mail', score: 20, reason: 'The administrative contact of this OV order uses a free mailbox at gmail.com rather than an address of the organisation.' },
    ]);
    expect(rules({ validation: 'dv', adminEmail: 'ceo@gmail.com' })).toEqual([]);
    expect(rules({ validation: 'ev', adminEmail: 'ceo@customer.example.org' })).toEqual([]);
  });

  it('takes the lists from the configuration', () => {
    const config = { ...DEFAULT_FRAUD_CONFIG, disposableDomains: ['throwaway.example'], freeMailDomains: ['free.example'] };
    expect(rules({ adminEmail: 'x@mailinator.com' }, config)).toEqual([]);
    expect(rules({ adminEmail: 'x@throwaway.example' }, config)).toEqual(['contact.disposable_email']);
    expect(rules({ validation: 'ov', adminEmail: 'x@free.example' }, config)).toEqual(['contact.free_mail']);
  });
});

describe('velocity', () => {
  it('fires when the reseller’s counts reach the hourly or daily limit (this order is one more)', () => {
    expect(rules({ history: { resellerOrdersLastHour: 29, resellerOrdersLastDay: 199 } })).toEqual([]);
    expect(screen({ history: { resellerOrdersLastHour: 30, resellerOrdersLastDay: 30 } }).hits).toEqual([
      { rule: 'velocity.reseller_hour', score: 30, reason: 'This is the reseller’s order number 31 in the last hour, more than the 30 an hour allowed.' },
    ]);
    expect(rules({ history: { resellerOrdersLastDay: 200 } })).toEqual(['velocity.reseller_day']);
  });

  it('fires when the same registrable domain was ordered too often today', () => {
    expect(rules({ history: { domainOrdersLastDay: 4 } })).toEqual([]);
    const hit = screen({ domains: ['www.example.com', 'example.com'], history: { domainOrdersLastDay: 5 } }).hits;
    expect(hit).toEqual([{ rule: 'velocity.domain', score: 30, reason: 'Orders for "example.com" in the last day, from any reseller: 5 before this one, and 5 a day are allowed.' }]);
  });

  it('takes its limits from the configuration', () => {
    const strict = { ...DEFAULT_FRAUD_CONFIG, velocity: { resellerPerHour: 2, resellerPerDay: 3, domainPerDay: 1 } };
    expect(rules({ history: { resellerOrdersLastHour: 2, resellerOrdersLastDay: 3, domainOrdersLastDay: 1 } }, strict)).toEqual([
      'velocity.reseller_hour',
      'velocity.reseller_day',
      'velocity.domain',
    ]);
    expect(rules({ history: { resellerOrdersLastHour: 30 } }, { ...DEFAULT_FRAUD_CONFIG, velocity: { ...DEFAULT_FRAUD_CONFIG.velocity, resellerPerHour: 31 } })).toEqual([]);
  });
});

describe('reseller.new_large_order', () => {
  const young = { createdAt: new Date(NOW.getTime() - 3 * DAY), ordersPlaced: 2, totalSpent: 1_800 };

  it('fires for a young reseller’s order at or above the amount', () => {
    expect(screen({ reseller: young, price: 50_000 }).hits).toEqual([
      { rule: 'reseller.new_large_order', score: 30, reason: 'The reseller’s account is 3 days old and this order costs 500.00 EUR, at or above the 500.00 that is large for an account younger than 14 days.' },
    ]);
  });

  it('fires for a young reseller’s order far above its average', () => {
    const hits = screen({ reseller: young, price: 12_900 }).hits;
    expect(hits.map((h) => h.reason)).toEqual(['The reseller’s account is 3 days old and this order costs 129.00 EUR, more than 10 times its average order of 9.00.']);
  });

  it('does not fire for an ordinary order, nor for an established reseller', () => {
    expect(rules({ reseller: young, price: 4_900 })).toEqual([]);
    expect(rules({ reseller: { ...young, ordersPlaced: 0, totalSpent: 0 }, price: 12_900 })).toEqual([]);
    expect(rules({ reseller: { ...young, createdAt: new Date(NOW.getTime() - 14 * DAY) }, price: 90_000 })).toEqual([]);
  });

  it('takes age, amount and multiple from the configuration', () => {
    const config = { ...DEFAULT_FRAUD_CONFIG, newReseller: { maxAgeDays: 2, largeOrderAmount: 1_000, averageMultiple: 2 } };
    expect(rules({ reseller: young, price: 50_000 }, config)).toEqual([]);
    const younger = { ...young, createdAt: new Date(NOW.getTime() - DAY) };
    expect(rules({ reseller: younger, price: 1_000 }, config)).toEqual(['reseller.new_large_order']);
    expect(rules({ reseller: { ...younger, ordersPlaced: 1, totalSpent: 400 }, price: 900 }, config)).toEqual(['reseller.new_large_order']);
  });
});

describe('domain.other_reseller', () => {
  it('fires when another reseller ordered the domain recently', () => {
    expect(screen({ domains: ['shop.example.com'], history: { sameDomainOtherResellerRecently: true } }).hits).toEqual([
      { rule: 'domain.other_reseller', score: 25, reason: 'Another reseller ordered a certificate for "example.com" recently.' },
    ]);
    expect(rules({ history: { sameDomainOtherResellerRecently: false } })).toEqual([]);
  });
});

describe('the verdict', () => {
  it('holds at the configured threshold and not below it', () => {
    const i = input({ domains: ['paypal.example.com'], history: { sameDomainOtherResellerRecently: true } });
    const { score } = screenOrder(i);
    expect(score).toBe(SCORES.brand + SCORES.otherReseller);
    expect(screenOrder(i).hold).toBe(true);
    expect(screenOrder(i, { ...DEFAULT_FRAUD_CONFIG, holdThreshold: score }).hold).toBe(true);
    expect(screenOrder(i, { ...DEFAULT_FRAUD_CONFIG, holdThreshold: score + 1 }).hold).toBe(false);
  });

  it('can fire every rule at once, explains every point, and gives the same answer every time', () => {
    const everything = input({
      domains: ['раураl-login.com', 'amazom.com', 'apple.example.com', 'applepie.example.org', 'shор.example.net', 'example.com'],
      validation: 'ov',
      country: 'RU',
      adminEmail: 'boss@gmail.com',
      approverEmail: 'admin@mailinator.com',
      reseller: { createdAt: new Date(NOW.getTime() - DAY), ordersPlaced: 1, totalSpent: 900 },
      price: 60_000,
      history: { resellerOrdersLastHour: 99, resellerOrdersLastDay: 999, domainOrdersLastDay: 99, sameDomainOtherResellerRecently: true },
    });
    const frozen = structuredClone(everything);
    const result = screenOrder(everything);
    expect(new Set(result.hits.map((h) => h.rule))).toEqual(new Set(FRAUD_RULES));
    expect(result.score).toBe(result.hits.reduce((sum, h) => sum + h.score, 0));
    for (const hit of result.hits) {
      expect(hit.score).toBeGreaterThan(0);
      expect(hit.reason).toMatch(/^[A-Z"].+\.$/);
    }
    expect(screenOrder(everything)).toEqual(result);
    expect(screenOrder(structuredClone(everything))).toEqual(result);
    expect(everything).toEqual(frozen);
  });

  it('always sums its hits and holds exactly from the threshold on, whatever the names', () => {
    const label = fc.string({ unit: fc.constantFrom('a', 'p', 'y', 'l', 'о', 'р', '0', '1', 'rn', 'secure', 'paypal', '-'), minLength: 1, maxLength: 8 });
    const domain = label.map((l) => domainToASCII(`${l.replace(/^-+|-+$/g, '') || 'x'}.com`)).filter((d) => d !== '');
    fc.assert(
      fc.property(fc.array(domain, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 200 }), (domains, holdThreshold) => {
        const i = input();
        const result = screenOrder({ ...i, order: { ...i.order, domains } }, { ...DEFAULT_FRAUD_CONFIG, holdThreshold });
        expect(result.score).toBe(result.hits.reduce((sum, h) => sum + h.score, 0));
        expect(result.hold).toBe(result.score >= holdThreshold);
        for (const hit of result.hits) expect(FRAUD_RULES).toContain(hit.rule);
      }),
      { numRuns: 300 },
    );
  });

  it('uses the shipped defaults when no configuration is given', () => {
    expect(DEFAULT_FRAUD_CONFIG.holdThreshold).toBe(50);
    expect(DEFAULT_FRAUD_CONFIG.brands.length).toBeGreaterThanOrEqual(40);
    expect(Object.isFrozen(DEFAULT_FRAUD_CONFIG)).toBe(true);
    expect(screenOrder(input({ domains: ['раураl.com'] }))).toEqual(screenOrder(input({ domains: ['раураl.com'] }), DEFAULT_FRAUD_CONFIG));
  });
});
