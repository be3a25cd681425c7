import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDisguises, disguisesOf, editDistance, fold, lookAlikeScriptsOf, skeleton } from './confusables.js';

describe('skeletons', () => {
  it('fold Cyrillic, Greek and Armenian look-alikes into the Latin letters they imitate', () => {
    expect(skeleton('раураl')).toBe('paypal'); // Cyrillic р а у а
    expect(skeleton('ѕсоре')).toBe('scope'); // Cyrillic ѕ с о р е
    expect(skeleton('ԁіхіе')).toBe('dixie'); // Cyrillic ԁ і х і е
    expect(skeleton('bιnαnce')).toBe('binance'); // Greek ι α
    expect(skeleton('κοτ')).toBe('kot'); // Greek κ ο τ
    expect(skeleton('gօօgle')).toBe('google'); // Armenian օ
  });

  it('fold fullwidth forms, accents, digits and letter pairs', () => {
    expect(skeleton('ｐａｙｐａｌ')).toBe('paypal');
    expect(skeleton('pàypäl')).toBe('paypal');
    expect(skeleton('g00gle')).toBe('google');
    expect(skeleton('paypa1')).toBe('paypal');
    expect(skeleton('5t3am')).toBe('steam');
    expect(skeleton('rnicrosoft')).toBe('microsoft');
    expect(skeleton('vvalmart')).toBe('walmart');
    expect(skeleton('clhl')).toBe('dhl');
  });

  it('keep letter pairs apart in the folded form, where "cl" may be two letters', () => {
    expect(fold('hsbclogin')).toBe('hsbclogin');
    expect(skeleton('hsbclogin')).toBe('hsbdogin');
    expect(fold('icl0ud')).toBe('icloud');
  });

  it('map only the look-alike letters, and leave scripts without any alone', () => {
    expect(skeleton('пример')).toBe('пpимep');
    expect(skeleton('例え')).toBe('例え');
  });
});

describe('disguises', () => {
  it('name the kinds of look-alike characters in a label, in a fixed order', () => {
    expect(disguisesOf('раураl')).toEqual(['cyrillic']);
    expect(disguisesOf('g00gle')).toEqual(['digits']);
    expect(disguisesOf('1ιnkеdin')).toEqual(['cyrillic', 'greek', 'digits']);
    expect(disguisesOf('pàypal')).toEqual(['accented']);
    expect(disguisesOf('ｐaypal')).toEqual(['compatibility']);
    expect(disguisesOf('pаypał')).toEqual(['cyrillic', 'latin_variant']);
    expect(disguisesOf('paypal')).toEqual([]);
  });

  it('describe them for a reason, letter pairs only when they made the match', () => {
    expect(describeDisguises('раураl', false)).toBe('Cyrillic letters that render as Latin');
    expect(describeDisguises('arnazon', true)).toBe('"rn" passing for "m"');
    expect(describeDisguises('g00gle', false)).toBe('digits that pass for letters');
  });
});

describe('scripts', () => {
  it('find Latin mixed with Cyrillic, Greek or Armenian', () => {
    expect(lookAlikeScriptsOf('раypal')).toEqual(['Latin', 'Cyrillic']);
    expect(lookAlikeScriptsOf('bιnance')).toEqual(['Latin', 'Greek']);
    expect(lookAlikeScriptsOf('gօօgle')).toEqual(['Latin', 'Armenian']);
  });

  it('see one script in a single-script label, and none in digits and hyphens', () => {
    expect(lookAlikeScriptsOf('пример')).toEqual(['Cyrillic']);
    expect(lookAlikeScriptsOf('bücher-24')).toEqual(['Latin']);
    expect(lookAlikeScriptsOf('例えexample')).toEqual(['Latin']);
    expect(lookAlikeScriptsOf('123-456')).toEqual([]);
  });
});

describe('edit distance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one', () => {
    expect(editDistance('paypal', 'paypal', 2)).toBe(0);
    expect(editDistance('amazom', 'amazon', 2)).toBe(1);
    expect(editDistance('paypall', 'paypal', 2)).toBe(1);
    expect(editDistance('paypl', 'paypal', 2)).toBe(1);
    expect(editDistance('paypla', 'paypal', 2)).toBe(1);
    expect(editDistance('deutschbnak', 'deutschebank', 2)).toBe(2);
  });

  it('agrees with the full table wherever the answer is within the limit', () => {
    // The plain optimal-string-alignment table, every cell computed: the banded version must match it.
    const full = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
      for (let i = 1; i <= a.length; i += 1) {
        for (let j = 1; j <= b.length; j += 1) {
          let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
          (d[i] as number[])[j] = v;
        }
      }
      return at(a.length, b.length);
    };
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'l', 'p', 'y'), maxLength: 12 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
        expect(editDistance(a, b, max)).toBe(Math.min(full(a, b), max + 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('stops at the limit', () => {
    expect(editDistance('example', 'paypal', 1)).toBe(2);
    expect(editDistance('a', 'bankofamerica', 2)).toBe(3);
    expect(editDistance('', '', 0)).toBe(0);
  });
});
