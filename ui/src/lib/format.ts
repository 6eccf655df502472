// Display helpers. Times come from the backend as RFC 3339 strings with the
// case's own offset; they are shown in that offset (the zone the user's apps
// showed), never converted to the machine's zone. Amounts are decimal strings
// and are never turned into floats.

import { t, tn, type Key } from '$lib/i18n.svelte';
import type { Money } from '$lib/bindings/Money';

const RFC = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface Parts {
  date: string;
  hh: string;
  mm: string;
  ss: string;
  offset: string;
}

export function parts(rfc: string | null | undefined): Parts | null {
  if (!rfc) return null;
  const m = RFC.exec(rfc.trim());
  if (!m) return null;
  return { date: m[1], hh: m[2], mm: m[3], ss: m[4] ?? '00', offset: m[5] ?? '' };
}

/** `2026-11-21 15:14` (seconds only when they are not zero). */
export function showTime(rfc: string | null | undefined): string {
  const p = parts(rfc);
  if (!p) return rfc ?? '';
  const clock = p.ss !== '00' ? `${p.hh}:${p.mm}:${p.ss}` : `${p.hh}:${p.mm}`;
  return `${p.date} ${clock}`;
}

/** `2026-11-21 15:14`, never with seconds. */
export function showMinute(rfc: string | null | undefined): string {
  const p = parts(rfc);
  return p ? `${p.date} ${p.hh}:${p.mm}` : (rfc ?? '');
}

/** The clock part only: `15:14` or `15:15:12`. */
export function showClock(rfc: string | null | undefined): string {
  const p = parts(rfc);
  if (!p) return '';
  return p.ss !== '00' ? `${p.hh}:${p.mm}:${p.ss}` : `${p.hh}:${p.mm}`;
}

/** A due date: the day alone when it is the end of a day (23:59:59), else day and time. */
export function showDue(rfc: string | null | undefined): string {
  const p = parts(rfc);
  if (!p) return rfc ?? '';
  if (p.hh === '23' && p.mm === '59') return p.date;
  return showTime(rfc);
}

/** The date part: `2026-11-21`. */
export function showDate(rfc: string | null | undefined): string {
  return parts(rfc)?.date ?? rfc ?? '';
}

function offsetMinutes(offset: string): number {
  if (!offset || offset === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  if (!m) return 0;
  const v = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

/** Whole calendar days from `now` to `due`, counted in `due`'s offset. */
export function dayDiff(due: string, now: string): number | null {
  const d = parts(due);
  const nowMs = Date.parse(now);
  if (!d || Number.isNaN(nowMs)) return null;
  const shifted = new Date(nowMs + offsetMinutes(d.offset) * 60_000);
  const nowDay = Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate());
  const [y, mo, da] = d.date.split('-').map(Number);
  const dueDay = Date.UTC(y, mo - 1, da);
  return Math.round((dueDay - nowDay) / 86_400_000);
}

/** "in 3 days", "tomorrow", "today", "yesterday", "2 days ago". */
export function countdown(due: string, now: string): string {
  const n = dayDiff(due, now);
  if (n === null) return '';
  if (Math.abs(Date.parse(due) - Date.parse(now)) < 60_000) return t('time.now');
  if (n === 0) return t('time.today');
  if (n >= 365) return tn('time.in_years_one', 'time.in_years_other', Math.floor(n / 365));
  if (n > 60) return tn('time.in_months_one', 'time.in_months_other', Math.floor(n / 30.44));
  if (n <= -365) return tn('time.years_ago_one', 'time.years_ago_other', Math.floor(-n / 365));
  if (n < -60) return tn('time.months_ago_one', 'time.months_ago_other', Math.floor(-n / 30.44));
  if (n === 1) return t('time.tomorrow');
  if (n === -1) return t('time.yesterday');
  if (n > 1) return tn('time.in_days_one', 'time.in_days_other', n);
  return tn('time.days_ago_one', 'time.days_ago_other', -n);
}

/** Whether `due` lies before `now`. */
export function isPast(due: string, now: string): boolean {
  const a = Date.parse(due);
  const b = Date.parse(now);
  return !Number.isNaN(a) && !Number.isNaN(b) && a < b;
}

/** A duration in words: "1 min 12 s", "2 h 5 min", "3 d 4 h" (two units at most). */
export function duration(totalSeconds: number): string {
  const s = Math.abs(Math.round(totalSeconds));
  const units: [number, Key][] = [
    [86_400, 'duration.days'],
    [3_600, 'duration.hours'],
    [60, 'duration.minutes'],
    [1, 'duration.seconds'],
  ];
  const out: string[] = [];
  let rest = s;
  for (const [size, key] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || (out.length === 0 && size === 1)) {
      out.push(t(key, { n }));
      rest -= n * size;
    }
    if (out.length === 2 || (out.length > 0 && rest === 0)) break;
  }
  return out.join(t('duration.join'));
}

const SYMBOLS: Record<string, string> = {
  CNY: '¥',
  USD: '$',
  EUR: '€',
  GBP: '£',
  HKD: 'HK$',
  JPY: 'JP¥',
};

/** `¥200.00`, or `200.00 SGD` when the currency has no common symbol. The amount is shown as given. */
export function money(m: Money | null | undefined): string {
  if (!m) return '';
  const sym = SYMBOLS[m.currency];
  return sym ? `${sym}${m.amount}` : `${m.amount} ${m.currency}`;
}

/** A count with the language's digit grouping: `1,203`. */
export function count(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

/** A file size: `840 B`, `12 KB`, `3.4 MB`. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}
