// UI language: 简体中文 or English. Strings live in src/locales/*.json
// (flat, namespaced keys); `en.json` is the reference the `Key` type is
// generated from, and `npm run i18n:check` keeps the two in step.

import en from '../locales/en.json';
import zh from '../locales/zh-CN.json';
import type { Bilingual } from '$lib/bindings/Bilingual';

export type Key = keyof typeof en;
export type UiLang = 'zh-CN' | 'en';
export type Params = Record<string, string | number>;

const DICTS: Record<UiLang, Record<Key, string>> = {
  en,
  'zh-CN': zh satisfies Record<Key, string>,
};

const STORAGE_KEY = 'daozhang.lang';

let current = $state<UiLang>('en');

/** The language from an OS locale such as `zh_CN.UTF-8` or `en_US`. */
export function langFromLocale(locale: string | null | undefined): UiLang {
  return (locale ?? '').trim().toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

function stored(): UiLang | null {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY);
    return v === 'zh-CN' || v === 'en' ? v : null;
  } catch {
    return null;
  }
}

export const i18n = {
  get lang(): UiLang {
    return current;
  },
  /** Sets the language and remembers the choice. */
  set lang(v: UiLang) {
    current = v;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, v);
    } catch {
      // private mode or no storage: the choice lasts for this session only
    }
    if (typeof document !== 'undefined') document.documentElement.lang = v;
  },
  /** The remembered choice if there is one, else the OS locale's language. */
  init(osLocale: string | null | undefined) {
    const v = stored() ?? langFromLocale(osLocale);
    current = v;
    if (typeof document !== 'undefined') document.documentElement.lang = v;
  },
  /** Sets the language without remembering it (tests). */
  reset(v: UiLang) {
    current = v;
  },
};

/** The translation of `key`, with `{name}` placeholders filled from `params`. */
export function t(key: Key, params?: Params): string {
  const text = DICTS[current][key] ?? DICTS.en[key] ?? '';
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

/** Picks `one` or `other` by count (English needs it; Chinese texts are the same). */
export function tn(one: Key, other: Key, n: number, params?: Params): string {
  return t(n === 1 ? one : other, { n, ...params });
}

/** A backend text in the UI language. */
export function pick(text: Bilingual | null | undefined, lang: UiLang = current): string {
  if (!text) return '';
  return (lang === 'zh-CN' ? text['zh-CN'] : text.en) || text.en || text['zh-CN'] || '';
}
