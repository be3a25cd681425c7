import { domainToUnicode } from 'node:url';
import { parse } from 'tldts';
import { describeDisguises, editDistance, fold, lookAlikeScriptsOf, skeleton } from './confusables.js';
import { SCORES } from './scores.js';
import type { FraudConfig, FraudRule, RuleHit } from './types.js';

/** Words that, next to a brand, make a name what phishing pages are called (`paypal-secure-login`). */
const LURE_WORDS = [
  'login', 'logon', 'signin', 'signon', 'secure', 'security', 'verify', 'verification', 'validate', 'validation', 'account', 'update', 'support',
  'wallet', 'billing', 'invoice', 'payment', 'refund', 'confirm', 'unlock', 'recover', 'recovery', 'password', 'suspended',
] as const;

/** Harmless words that, glued to a brand, still spell nothing but the brand's own offering (`appleid`, `chasebank`, `mypaypal`). */
const FILLER_WORDS = [
  'my', 'the', 'www', 'app', 'apps', 'id', 'web', 'online', 'mobile', 'official', 'service', 'services', 'help', 'helpdesk', 'center', 'centre',
  'team', 'portal', 'pay', 'bank', 'banking', 'card', 'cards', 'mail', 'customer', 'client', 'member', 'members', 'user', 'home', 'direct', 'store',
  'shop', 'info', 'us', 'uk', 'eu', 'de',
] as const;

/** The words a compound may be made of, by folded form and by skeleton, with the word to show. */
const COMPOUND_WORDS: ReadonlyMap<string, string> = new Map([...LURE_WORDS, ...FILLER_WORDS].flatMap((w) => [[skeleton(w), w] as const, [fold(w), w] as const]));
const LONGEST_COMPOUND_WORD = Math.max(...[...COMPOUND_WORDS.keys()].map((w) => w.length));

/** Typo-squats are looked for only in brands this long: shorter ones have too many innocent neighbours. */
const TYPO_MIN_LENGTH = 5;
/** From this length two slips are allowed (`bankofamerika` → `bankofamerica` is one, `deutschbnak` two). */
const TYPO_TWO_EDITS_LENGTH = 9;
/** A brand inside a compound (`hsbclogin`) counts from this length; `ing` inside `accounting` would not. */
const COMPOUND_MIN_LENGTH = 4;
/** A brand inside an arbitrary word counts from this length. */
const EMBEDDED_MIN_LENGTH = 5;

/**
 * A string in the two forms it is compared in: `folded` maps look-alike characters only, `skeleton`
 * also joins letter pairs (`rn` → `m`). A brand matches in either.
 */
interface Forms {
  readonly folded: string;
  readonly skeleton: string;
}

function formsOf(text: string): Forms {
  return { folded: fold(text), skeleton: skeleton(text) };
}

interface Brand extends Forms {
  readonly name: string;
  /** Slips allowed for a typo-squat; 0 for short brands and brands with digits (`office365`), where digits are not slips. */
  readonly typoLimit: number;
}

/** A configuration turned into lookup structures once, not per order. */
interface Prepared {
  readonly brands: readonly Brand[];
  readonly brandNames: ReadonlySet<string>;
  readonly brandDomains: ReadonlySet<string>;
  readonly ordinaryWords: ReadonlySet<string>;
}

/** Per configuration object, so a long-lived configuration computes its brand skeletons once; invisible to callers. */
const prepared = new WeakMap<FraudConfig, Prepared>();

function prepare(config: FraudConfig): Prepared {
  let p = prepared.get(config);
  if (!p) {
    const names = [...new Set(config.brands.map((b) => b.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')).filter((b) => b !== ''))];
    p = {
      brands: names.map((name) => ({
        name,
        ...formsOf(name),
        typoLimit: !/^\p{L}+$/u.test(name) || name.length < TYPO_MIN_LENGTH ? 0 : name.length >= TYPO_TWO_EDITS_LENGTH ? 2 : 1,
      })),
      brandNames: new Set(names),
      brandDomains: new Set(config.brandDomains.map((d) => d.toLowerCase())),
      ordinaryWords: new Set(config.ordinaryWords.map((w) => w.toLowerCase())),
    };
    prepared.set(config, p);
  }
  return p;
}

/** A name as the rules see it. */
interface Name {
  readonly ascii: string;
  readonly unicode: string;
  /** The registrable domain under the ICANN section of the Public Suffix List (`example.co.uk`); the name itself when it has none. */
  readonly registrable: string;
  /** The labels left of the public suffix, in Unicode: `com` in `paypal.com` says nothing. */
  readonly labels: readonly string[];
}

function readName(stored: string): Name | null {
  const ascii = stored.toLowerCase().replace(/^\*\./, '');
  // Private suffixes (github.io, blogspot.com) are left out: `paypal-login.github.io` must show its `github` too.
  const info = parse(ascii, { allowPrivateDomains: false });
  if (info.isIp || ascii.includes(':')) return null;
  const unicode = domainToUnicode(ascii) || ascii;
  const labels = unicode.split('.');
  const suffixLabels = info.publicSuffix ? info.publicSuffix.split('.').length : 0;
  return { ascii, unicode, registrable: info.domain ?? ascii, labels: labels.slice(0, Math.max(0, labels.length - suffixLabels)) };
}

/** The registrable domains of an order's names, in Unicode and in order, for reasons that name them. */
export function registrableDomainsOf(domains: readonly string[]): string[] {
  const registrable = domains.flatMap((d) => readName(d)?.registrable ?? []);
  return [...new Set(registrable)].map((d) => domainToUnicode(d) || d);
}

/** A string compared with the brands: a label, a part of it between hyphens, or the label without its hyphens. */
interface Candidate extends Forms {
  readonly text: string;
  /** The label's hyphens were removed to make it (`pay-pal` → `paypal`). */
  readonly joined: boolean;
}

function candidatesOf(label: string): Candidate[] {
  if (!label.includes('-')) return [{ text: label, ...formsOf(label), joined: false }];
  const parts = label.split('-').filter((p) => p !== '');
  const joined = parts.join('');
  return [...parts.map((p) => ({ text: p, ...formsOf(p), joined: false })), { text: joined, ...formsOf(joined), joined: true }];
}

/** How one candidate resembles one brand. */
interface Match {
  readonly rule: Extract<FraudRule, 'name.brand_lookalike' | 'name.brand_typo' | 'name.brand' | 'name.brand_embedded'>;
  readonly score: number;
  readonly brand: Brand;
  readonly name: Name;
  readonly candidate: Candidate;
  /** Which form matched: the skeleton means letter pairs took part. */
  readonly form: keyof Forms;
  /** `name.brand_typo`: the edit distance, 0 for hyphens inserted. */
  readonly distance?: number;
  /** A compound: the words glued to the brand. */
  readonly words?: readonly string[];
}

const FORMS: readonly (keyof Forms)[] = ['folded', 'skeleton'];
const FOLDED_ONLY: readonly (keyof Forms)[] = ['folded'];

/** The forms worth comparing: the skeleton only when letter pairs make it differ. */
function formsToCompare(candidate: Candidate, brand: Brand): readonly (keyof Forms)[] {
  return candidate.skeleton === candidate.folded && brand.skeleton === brand.folded ? FOLDED_ONLY : FORMS;
}

/** Splits a string into compound words, or null when it is not made of them. */
function segment(text: string): string[] | null {
  const best: (string[] | null)[] = [[]];
  for (let end = 1; end <= text.length; end += 1) {
    best[end] = null;
    for (let start = Math.max(0, end - LONGEST_COMPOUND_WORD); start < end; start += 1) {
      const before = best[start];
      const word = COMPOUND_WORDS.get(text.slice(start, end));
      if (before && word !== undefined) {
        best[end] = [...before, word];
        break;
      }
    }
  }
  return best[text.length] ?? null;
}

/** The brand glued to compound words (`paypalsecure`, `myg00gle`): the words, or null. */
function compoundWords(text: string, brand: string): string[] | null {
  for (let at = text.indexOf(brand); at >= 0; at = text.indexOf(brand, at + 1)) {
    const before = segment(text.slice(0, at));
    const after = segment(text.slice(at + brand.length));
    if (before && after && before.length + after.length > 0) return [...before, ...after];
  }
  return null;
}

/** The strongest way a candidate resembles a brand, tried from the strongest down; null when it does not. */
function match(name: Name, candidate: Candidate, brand: Brand, p: Prepared): Match | null {
  // Too short to equal, be a slip from or contain the brand in any form: most labels against most brands.
  if (candidate.folded.length + brand.typoLimit < brand.skeleton.length) return null;
  const base = { brand, name, candidate };
  const forms = formsToCompare(candidate, brand);
  if (candidate.text === brand.name) {
    // `pay-pal` spells the brand with a hyphen in it: a squat, not the brand's own word.
    return candidate.joined
      ? { ...base, form: 'folded', rule: 'name.brand_typo', score: SCORES.brandTypo, distance: 0 }
      : { ...base, form: 'folded', rule: 'name.brand', score: SCORES.brand };
  }
  for (const form of forms) {
    if (candidate[form] === brand[form]) return { ...base, form, rule: 'name.brand_lookalike', score: SCORES.brandLookalike };
  }
  // Two words joined (`master-cage`) come near a long brand by chance, so a joined label gets one slip only.
  const typoLimit = candidate.joined ? Math.min(1, brand.typoLimit) : brand.typoLimit;
  // A listed brand is itself, never a slip of another listed brand.
  if (typoLimit > 0 && !p.ordinaryWords.has(candidate.text) && !p.brandNames.has(candidate.text)) {
    for (const form of forms) {
      const distance = editDistance(candidate[form], brand[form], typoLimit);
      if (distance <= typoLimit) return { ...base, form, rule: 'name.brand_typo', score: SCORES.brandTypo, distance };
    }
  }
  if (brand.name.length >= COMPOUND_MIN_LENGTH) {
    for (const form of forms) {
      const words = compoundWords(candidate[form], brand[form]);
      if (!words) continue;
      return candidate.text.includes(brand.name)
        ? { ...base, form, rule: 'name.brand', score: SCORES.brand, words }
        : { ...base, form, rule: 'name.brand_lookalike', score: SCORES.brandLookalike, words };
    }
  }
  if (brand.name.length >= EMBEDDED_MIN_LENGTH) {
    for (const form of forms) {
      if (candidate[form].includes(brand[form])) return { ...base, form, rule: 'name.brand_embedded', score: SCORES.brandEmbedded };
    }
  }
  return null;
}

/** `"раураl.com" (xn--l-7sbq4ba6b.com)`: what staff see, and the stored form to search for. */
function shown(name: Name): string {
  return name.unicode === name.ascii ? `"${name.unicode}"` : `"${name.unicode}" (${name.ascii})`;
}

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
function quoted(words: readonly string[]): string {
  const q = words.map((w) => `"${w}"`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} and ${q.at(-1)}` : (q[0] ?? '');
}

/** The matched form with the brand written as itself (`idoudlogin` → `icloudlogin`): TR39 skeletons fold `cl` in the brand too. */
function shownForm(m: Match): string {
  return m.candidate[m.form].replaceAll(m.brand[m.form], m.brand.name);
}

function reasonOf(m: Match): string {
  const { name, candidate, brand } = m;
  const glued = m.words ? ` joined with ${quoted(m.words)}` : '';
  switch (m.rule) {
    case 'name.brand_lookalike':
      return `${shown(name)} looks like the brand "${brand.name}"${glued} (${describeDisguises(candidate.text, m.form === 'skeleton')}: skeleton "${shownForm(m)}").`;
    case 'name.brand_typo':
      if (m.distance === 0) return `${shown(name)} spells the brand "${brand.name}" with hyphens in it, a typo-squat.`;
      return `${shown(name)} is ${m.distance === 1 ? 'one slip' : 'two slips'} away from the brand "${brand.name}" ("${candidate[m.form]}" against "${brand[m.form]}"), a typo-squat.`;
    case 'name.brand':
      return `${shown(name)} contains the brand "${brand.name}"${glued} but is not one of the brand’s own domains.`;
    case 'name.brand_embedded': {
      const disguised = candidate.text.includes(brand.name) ? '' : ` (skeleton "${shownForm(m)}")`;
      return `${shown(name)} contains the brand "${brand.name}" inside the word "${candidate.text}"${disguised}; ordinary words often do, so this counts little on its own.`;
    }
  }
}

/** The lure words in a group's labels, in list order, leaving out what the brands themselves spell. */
function lureWordsIn(labels: readonly string[], matches: readonly Match[]): string[] {
  const texts = labels.flatMap((label) => {
    const forms = formsOf(label);
    return FORMS.map((f) => matches.reduce((text, m) => text.replaceAll(m.brand[f], ' '), forms[f]));
  });
  return LURE_WORDS.filter((word) => texts.some((t) => t.includes(word)));
}

function brandHits(names: readonly Name[], p: Prepared): RuleHit[] {
  const best = new Map<string, Match>();
  // Each distinct label once, with the first name that has it: `example` in four names is one label.
  const labels = new Map<string, Name>();
  for (const name of names) for (const label of name.labels) if (!labels.has(label)) labels.set(label, name);
  for (const [label, name] of labels) {
    for (const candidate of candidatesOf(label)) {
      for (const brand of p.brands) {
        const found = match(name, candidate, brand, p);
        const held = best.get(brand.name);
        if (found && (!held || found.score > held.score)) best.set(brand.name, found);
      }
    }
  }
  // In brand-list order, so the same order always explains itself the same way.
  const matches = p.brands.flatMap((b) => best.get(b.name) ?? []);
  const hits: RuleHit[] = matches.map((m) => ({ rule: m.rule, score: m.score, reason: reasonOf(m) }));
  hits.push(...frontedDomainHits(names, p));
  const lures = hits.length > 0 ? lureWordsIn([...labels.keys()], matches) : [];
  const [first] = names;
  if (first && lures.length > 0) {
    const brands = matches.map((m) => m.brand.name);
    const what = brands.length === 0 ? 'a brand’s domain' : `the brand${brands.length > 1 ? 's' : ''} ${quoted(brands)}`;
    hits.push({
      rule: 'name.brand_lure',
      score: SCORES.brandLure,
      reason: `${shown(first)} pairs ${what} with ${quoted(lures)}, words phishing pages are named with.`,
    });
  }
  return hits;
}

/**
 * A brand's whole domain among the subdomain labels of someone else's (`www.apple.com.evil.example`):
 * in an address bar it reads as the brand's site, and nobody but a phisher has a use for it. Only the
 * labels left of the registrable domain count, so the brand's own `paypal.com.au` is no such name.
 */
function frontedDomainHits(names: readonly Name[], p: Prepared): RuleHit[] {
  const hits: RuleHit[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const subdomain = `.${name.ascii.slice(0, -name.registrable.length)}`;
    for (const domain of p.brandDomains) {
      if (seen.has(domain) || !subdomain.includes(`.${domain}.`)) continue;
      seen.add(domain);
      hits.push({
        rule: 'name.brand_lookalike',
        score: SCORES.brandLookalike,
        reason: `${shown(name)} carries the brand domain "${domain}" in front of another domain, so at a glance it reads as that brand’s site.`,
      });
    }
  }
  return hits;
}

/**
 * The name rules: brands and their look-alikes, typo-squats and lure words, once per registrable
 * domain (so `www.раураl.com` next to `раураl.com` counts once); and labels that mix look-alike
 * scripts, once per label. Names under a brand's own domains never trip a brand rule.
 */
export function nameRules(domains: readonly string[], config: FraudConfig): RuleHit[] {
  const p = prepare(config);
  const groups = new Map<string, Name[]>();
  for (const stored of domains) {
    const name = readName(stored);
    if (!name) continue;
    groups.set(name.registrable, [...(groups.get(name.registrable) ?? []), name]);
  }
  const hits: RuleHit[] = [];
  const seenLabels = new Set<string>();
  for (const [registrable, names] of groups) {
    if (!p.brandDomains.has(registrable)) hits.push(...brandHits(names, p));
    for (const name of names) {
      for (const label of name.labels) {
        if (seenLabels.has(label)) continue;
        seenLabels.add(label);
        const scripts = lookAlikeScriptsOf(label);
        if (scripts.length > 1) {
          hits.push({ rule: 'name.mixed_scripts', score: SCORES.mixedScripts, reason: `${shown(name)} mixes ${scripts.join(' and ')} letters in the label "${label}", a common disguise.` });
        }
      }
    }
  }
  return hits;
}
