// What the user reads when something fails: a translated sentence per error
// code. The code itself and the backend's technical message are never shown.

import type { Bilingual } from '$lib/bindings/Bilingual';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { FieldError } from '$lib/bindings/FieldError';
import { t, type Key } from '$lib/i18n.svelte';
import { ERROR_MESSAGE, keyOf } from '$lib/labels';

export function errorText(e: BoundaryError | null | undefined): string {
  if (!e) return '';
  return t(keyOf(ERROR_MESSAGE, e.code, 'error.internal'));
}

/**
 * The backend's own sentence for an error, when it sends one
 * (`details.text`, e.g. what is wrong with an evidence file and what to do).
 */
export function detailText(e: BoundaryError | null | undefined): Bilingual | null {
  const d = e?.details;
  if (!d || typeof d !== 'object' || Array.isArray(d)) return null;
  const text = (d as Record<string, unknown>).text;
  if (!text || typeof text !== 'object') return null;
  const t = text as Record<string, unknown>;
  const zh = typeof t['zh-CN'] === 'string' ? t['zh-CN'] : '';
  const en = typeof t.en === 'string' ? t.en : '';
  return zh || en ? { 'zh-CN': zh, en } : null;
}

/**
 * The answer a source gave that was not used (`details.raw`: a bad
 * signature, malformed, about another order), secrets removed by the
 * backend. Untrusted text: show it only as text.
 */
export function rawAnswer(e: BoundaryError | null | undefined): string | null {
  const d = e?.details;
  if (!d || typeof d !== 'object' || Array.isArray(d)) return null;
  const raw = (d as Record<string, unknown>).raw;
  return typeof raw === 'string' && raw !== '' ? raw : null;
}

/** The field's kind, for its message: `observation[2].at` → `observation.at`. */
export function fieldKind(field: string): string {
  return field.replace(/\[\d+\]/g, '');
}

const FIELD_LABEL: Record<string, Key> = {
  platform: 'field.platform',
  platform_name: 'field.platform_name',
  order_id: 'field.order_id',
  amount: 'field.amount',
  currency: 'field.currency',
  method: 'field.method',
  card_last4: 'field.card_last4',
  submitted_at: 'field.submitted_at',
  timezone: 'field.timezone',
  item: 'field.item',
  merchant: 'field.merchant',
  'payment.id': 'field.payment_id',
  'payment.provider': 'field.payment_provider',
  'observation.source': 'field.observation_source',
  'observation.status': 'field.observation_status',
  'observation.at': 'field.observation_at',
  'observation.amount': 'field.observation_amount',
};

/** A field's name in words. */
export function fieldLabel(field: string): string {
  return t(FIELD_LABEL[fieldKind(field)] ?? 'field.other');
}

/** The first line of an inline error: what is wrong, in the UI language. */
export function fieldProblem(e: FieldError): string {
  const label = fieldLabel(e.field);
  return e.given === null || e.given === ''
    ? t('field.missing', { field: label })
    : t('field.invalid', { field: label });
}
