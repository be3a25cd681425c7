import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { de } from './de.js';
import { en, type MessageKey } from './en.js';

export type Language = 'en' | 'de';
export const LANGUAGES: readonly Language[] = ['en', 'de'];
const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, de };
const STORAGE_KEY = 'language';

export interface I18n {
  readonly language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** A key built at run time (a status, an event type); falls back to `fallback` when the dictionary has none. */
  tr(key: string, fallback: string): string;
  money(amount: number, currency: string): string;
  date(iso: string): string;
  dateTime(iso: string): string;
  country(code: string): string;
}

const Context = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'de') return stored;
  return navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const value = useMemo<I18n>(() => {
    const dictionary = DICTIONARIES[language];
    const locale = language === 'de' ? 'de-DE' : 'en-GB';
    const regions = new Intl.DisplayNames([locale], { type: 'region' });
    document.documentElement.lang = language;
    return {
      language,
      setLanguage: (next) => {
        localStorage.setItem(STORAGE_KEY, next);
        setLanguageState(next);
      },
      t: (key, vars = {}) => dictionary[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`)),
      tr: (key, fallback) => (key in dictionary ? dictionary[key as MessageKey] : fallback),
      money: (amount, currency) => {
        // Amounts arrive in minor units; the currency says how many digits they have (display only).
        const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
        return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
      },
      date: (iso) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso)),
      dateTime: (iso) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)),
      country: (code) => regions.of(code) ?? code,
    };
  }, [language]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (value === null) throw new Error('useI18n outside I18nProvider');
  return value;
}
