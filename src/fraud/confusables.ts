/**
 * Look-alike letters: how a label looks on screen, reduced to plain Latin letters.
 *
 * After Unicode TR39 (Security Mechanisms) §4, "confusable detection": two strings are confusable when
 * their skeletons are equal. The full confusables.txt has thousands of entries for every script; a
 * phisher who imitates a Latin brand needs only the handful below, so the table ships the Latin
 * look-alikes of the scripts whose letters pass for Latin ones (Cyrillic, Greek, Armenian), a few
 * Latin variants, and the digits and letter pairs that pass for letters in ASCII names.
 */

/** What kind of look-alike characters a label uses; each kind has a phrase in {@link describeDisguises}. */
export type Disguise = 'cyrillic' | 'greek' | 'armenian' | 'latin_variant' | 'accented' | 'compatibility' | 'digits';

/** Single characters that render like a Latin letter, with the letter they imitate. */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // Cyrillic lower case that renders like Latin in the fonts browsers use; most are pixel-identical.
    а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w',
    һ: 'h', ӏ: 'l', к: 'k', г: 'r', ь: 'b', ү: 'y', ҽ: 'e', ѵ: 'v', ѡ: 'w', ԍ: 'g',
    // Greek
    ο: 'o', α: 'a', ν: 'v', ρ: 'p', τ: 't', ι: 'i', κ: 'k', ε: 'e', η: 'n', σ: 'o', υ: 'u', χ: 'x', γ: 'y', ω: 'w', ϲ: 'c', ϳ: 'j',
    // Armenian
    օ: 'o', ո: 'n', ս: 'u', հ: 'h', ց: 'g', զ: 'q', ա: 'w', լ: 'l',
    // Latin letters without a decomposition that NFKD would strip.
    ı: 'i', ɩ: 'i', ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ɑ: 'a', ɡ: 'g', ʏ: 'y', æ: 'ae', œ: 'oe',
    // Digits used as letters: 0 and 1 are confusables of o and l in TR39; the others are the squatters' leetspeak.
    '0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
  }),
);

/** Letter pairs that read as one letter at a glance, in any font: rn as m, vv as w, cl as d. */
const LETTER_PAIRS: readonly (readonly [string, string])[] = [
  ['rn', 'm'],
  ['vv', 'w'],
  ['cl', 'd'],
];

const MARK = /\p{M}/u;
const MARKS = /\p{M}/gu;
const PLAIN = /^[a-z-]*$/;
const DIGIT = /[0-9]/;

/** Scripts whose letters pass for Latin ones, with the disguise each stands for. */
const SCRIPTS: readonly { readonly name: string; readonly disguise: Disguise | null; readonly test: RegExp }[] = [
  { name: 'Latin', disguise: null, test: /\p{Script=Latin}/u },
  { name: 'Cyrillic', disguise: 'cyrillic', test: /\p{Script=Cyrillic}/u },
  { name: 'Greek', disguise: 'greek', test: /\p{Script=Greek}/u },
  { name: 'Armenian', disguise: 'armenian', test: /\p{Script=Armenian}/u },
];

/**
 * Every character folded and mapped to the Latin letters it imitates, without joining letter pairs:
 * `раура1` → `paypal`. Kept apart from {@link skeleton} because the pairs also occur innocently next
 * to each other (`hsbclogin` holds "cl"), so a compound is looked for in both forms.
 */
export function fold(label: string): string {
  const lower = label.toLowerCase();
  // Most names are plain letters and hyphens, which fold to themselves.
  if (PLAIN.test(lower)) return lower;
  let out = '';
  for (const ch of lower.normalize('NFKD').replace(MARKS, '')) out += LOOK_ALIKES.get(ch) ?? ch;
  return out;
}

/**
 * The skeleton of a label: NFKD folds fullwidth and other compatibility forms and splits accents off
 * their letters, the accents are dropped, look-alike characters become the Latin letters they imitate,
 * and letter pairs that read as one letter become that letter. `раураl`, `ｐａｙｐａｌ`, `paypa1` → `paypal`.
 */
export function skeleton(label: string): string {
  let out = fold(label);
  for (const [pair, letter] of LETTER_PAIRS) out = out.replaceAll(pair, letter);
  return out;
}

/** The look-alike characters a label uses, by kind and in a fixed order, so a reason can say what disguises it. */
export function disguisesOf(label: string): Disguise[] {
  const found = new Set<Disguise>();
  for (const ch of label.toLowerCase()) {
    if (ch < '\u0080') {
      if (DIGIT.test(ch) && LOOK_ALIKES.has(ch)) found.add('digits');
      continue;
    }
    const script = SCRIPTS.find((s) => s.disguise !== null && s.test.test(ch));
    if (script?.disguise) {
      found.add(script.disguise);
      continue;
    }
    const folded = ch.normalize('NFKD');
    if (folded === ch) {
      if (LOOK_ALIKES.has(ch)) found.add('latin_variant');
    } else if (MARK.test(folded)) {
      found.add('accented');
    } else {
      found.add('compatibility');
    }
  }
  return DISGUISE_ORDER.filter((d) => found.has(d));
}

const DISGUISE_ORDER: readonly Disguise[] = ['cyrillic', 'greek', 'armenian', 'latin_variant', 'accented', 'compatibility', 'digits'];

const DISGUISE_TEXT: Readonly<Record<Disguise, string>> = {
  cyrillic: 'Cyrillic letters that render as Latin',
  greek: 'Greek letters that render as Latin',
  armenian: 'Armenian letters that render as Latin',
  latin_variant: 'Latin letter variants that pass for plain ones',
  accented: 'accented letters',
  compatibility: 'fullwidth or other compatibility forms',
  digits: 'digits that pass for letters',
};

/**
 * What makes a label look like something else, as a phrase for a reason: "Cyrillic letters that render
 * as Latin, digits that pass for letters"; with `pairs`, also the letter pairs it reads as one letter
 * ("rn" passing for "m").
 */
export function describeDisguises(label: string, pairs: boolean): string {
  const phrases = disguisesOf(label).map((d) => DISGUISE_TEXT[d]);
  if (pairs) {
    const folded = fold(label);
    phrases.push(...LETTER_PAIRS.filter(([pair]) => folded.includes(pair)).map(([pair, letter]) => `"${pair}" passing for "${letter}"`));
  }
  return phrases.length === 0 ? 'letters that pass for others' : phrases.join(', ');
}

/**
 * The look-alike scripts (Latin, Cyrillic, Greek, Armenian) whose letters occur in a label, in that
 * order. Other scripts are left out on purpose: TR39's "highly restrictive" profile allows Latin next
 * to Han, Hiragana, Katakana or Hangul, which Japanese, Chinese and Korean names use every day.
 */
export function lookAlikeScriptsOf(label: string): string[] {
  const found = new Set<string>();
  for (const ch of label) {
    const script = SCRIPTS.find((s) => s.test.test(ch));
    if (script) found.add(script.name);
  }
  return SCRIPTS.map((s) => s.name).filter((name) => found.has(name));
}

/** Rows reused between calls: screening compares every name with every brand, and allocating rows each time dominated the cost. */
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Damerau-Levenshtein distance (the optimal string alignment variant: insertions, deletions,
 * substitutions and transpositions of neighbours each cost one), or `max + 1` as soon as it is
 * certain to exceed `max`. Only the band of cells within `max` of the diagonal can stay within `max`,
 * so only those are computed: a few cells per letter for the one or two slips a typo-squat allows.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  if (rows[0].length <= b.length) rows = [new Int32Array(b.length + 1), new Int32Array(b.length + 1), new Int32Array(b.length + 1)];
  // Three rolling rows: the transposition step looks two rows back.
  let [before, previous, current] = rows;
  for (let j = 0; j <= b.length; j += 1) previous[j] = j <= max ? j : over;
  for (let i = 1; i <= a.length; i += 1) {
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    current.fill(over);
    current[0] = i <= max ? i : over;
    let rowBest = current[0] as number;
    for (let j = from; j <= to; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] as number) + 1);
      current[j] = Math.min(value, over);
      if (value < rowBest) rowBest = value;
    }
    if (rowBest > max) return over;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] as number;
}
