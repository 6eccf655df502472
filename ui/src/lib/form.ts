// The intake form's model and its conversion to and from the backend's
// `RawCase`. Fields the form does not show (time zone, merchant,
// complainant, attachments, contacts, an observation's note or `via` …) are
// carried along untouched, so editing a reopened case never loses them.

import type { RawCase } from '$lib/bindings/RawCase';
import type { RawObservation } from '$lib/bindings/RawObservation';
import type { RawPayment } from '$lib/bindings/RawPayment';
import type { Scalar } from '$lib/bindings/Scalar';
import type { FieldError } from '$lib/bindings/FieldError';

export interface PaymentRow {
  key: number;
  id: string;
  /** The raw row as it came (provider …), kept for the fields not shown. */
  rest: RawPayment;
}

export interface ObservationRow {
  key: number;
  source: string;
  status: string;
  at: string;
  amount: string;
  /** Set once the user picks a source by hand (else it follows the method). */
  touched: boolean;
  rest: RawObservation;
}

export interface FormState {
  platform: string;
  platformName: string;
  orderId: string;
  payments: PaymentRow[];
  amount: string;
  currency: string;
  method: string;
  submittedAt: string;
  cardLast4: string;
  item: string;
  observations: ObservationRow[];
  /** Everything else of the raw case, kept as it was. */
  rest: Pick<RawCase, 'timezone' | 'merchant' | 'complainant' | 'attachment' | 'contact'>;
}

let nextKey = 1;
export function rowKey(): number {
  return nextKey++;
}

const EMPTY_PAYMENT: RawPayment = { id: null, provider: null };
const EMPTY_OBSERVATION: RawObservation = {
  at: null,
  source: null,
  status: null,
  means: null,
  via: null,
  amount: null,
  payment: null,
  note: null,
};

export function paymentRow(id = ''): PaymentRow {
  return { key: rowKey(), id, rest: { ...EMPTY_PAYMENT } };
}

export function observationRow(source = 'platform', status = ''): ObservationRow {
  return {
    key: rowKey(),
    source,
    status,
    at: '',
    amount: '',
    touched: false,
    rest: { ...EMPTY_OBSERVATION },
  };
}

/** The provider whose app shows the payment for a method, for the second observation row. */
export function sourceForMethod(method: string): string {
  switch (method) {
    case 'alipay':
    case 'wechat_pay':
    case 'paypal':
      return method;
    case 'bank_card':
    case 'credit_card':
    case 'union_pay':
    case 'apple_pay':
      return 'bank';
    default:
      return 'alipay';
  }
}

export function emptyForm(): FormState {
  return {
    platform: 'douyin_dou_plus',
    platformName: '',
    orderId: '',
    payments: [paymentRow()],
    amount: '',
    currency: 'CNY',
    method: '',
    submittedAt: '',
    cardLast4: '',
    item: '',
    observations: [observationRow('platform'), observationRow('alipay')],
    rest: { timezone: null, merchant: null, complainant: null, attachment: [], contact: [] },
  };
}

function text(v: Scalar | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function opt(s: string): Scalar | null {
  const v = s.trim();
  return v === '' ? null : v;
}

const RFC = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A stored time as the form shows it: `2026-11-21T15:14:00+08:00` becomes
 * `2026-11-21 15:14` when the offset is the case's own (else it stays whole).
 */
export function timeForForm(value: string, zone: string): string {
  const m = RFC.exec(value.trim());
  if (!m) return value;
  const [, date, hm, sec, offset] = m;
  const clock = sec && sec !== ':00' ? `${hm}${sec}` : hm;
  const off = offset === 'Z' ? '+00:00' : offset;
  return off === zone ? `${date} ${clock}` : value;
}

/** A form filled from a raw case (an example, or a reopened case). */
export function fromRaw(raw: RawCase): FormState {
  const zone = text(raw.timezone) || '+08:00';
  const payments = raw.payment.map((p) => ({
    key: rowKey(),
    id: text(p.id),
    rest: { ...p },
  }));
  const observations = raw.observation.map((o) => ({
    key: rowKey(),
    source: text(o.source) || 'platform',
    status: text(o.status),
    at: timeForForm(text(o.at), zone),
    amount: text(o.amount),
    touched: true,
    rest: { ...o },
  }));
  return {
    platform: text(raw.platform) || 'other',
    platformName: text(raw.platform_name),
    orderId: text(raw.order_id),
    payments: payments.length ? payments : [paymentRow()],
    amount: text(raw.amount),
    currency: text(raw.currency) || 'CNY',
    method: text(raw.method),
    submittedAt: timeForForm(text(raw.submitted_at), zone),
    cardLast4: text(raw.card_last4),
    item: text(raw.item),
    observations,
    rest: {
      timezone: raw.timezone,
      merchant: raw.merchant,
      complainant: raw.complainant,
      attachment: raw.attachment,
      contact: raw.contact,
    },
  };
}

export interface RawWithRows {
  raw: RawCase;
  /** For each `payment[i]` of the raw case, its row in the form. */
  paymentRows: number[];
  /** For each `observation[i]` of the raw case, its row in the form. */
  observationRows: number[];
}

/** The raw case the form stands for. Blank payment and observation rows are left out. */
export function toRaw(form: FormState): RawWithRows {
  const paymentRows: number[] = [];
  const payment: RawPayment[] = [];
  form.payments.forEach((p, i) => {
    if (p.id.trim() === '') return;
    paymentRows.push(i);
    payment.push({ ...p.rest, id: p.id.trim() });
  });
  const observationRows: number[] = [];
  const observation: RawObservation[] = [];
  form.observations.forEach((o, i) => {
    if (o.status.trim() === '' && o.at.trim() === '' && o.amount.trim() === '') return;
    observationRows.push(i);
    observation.push({
      ...o.rest,
      source: opt(o.source),
      status: opt(o.status),
      at: opt(o.at),
      amount: opt(o.amount),
    });
  });
  const raw: RawCase = {
    platform: opt(form.platform),
    platform_name: opt(form.platformName),
    order_id: opt(form.orderId),
    amount: opt(form.amount),
    currency: opt(form.currency),
    method: opt(form.method),
    card_last4: opt(form.cardLast4),
    submitted_at: opt(form.submittedAt),
    timezone: form.rest.timezone,
    item: opt(form.item),
    merchant: form.rest.merchant,
    complainant: form.rest.complainant,
    payment,
    observation,
    attachment: form.rest.attachment,
    contact: form.rest.contact,
  };
  return { raw, paymentRows, observationRows };
}

/**
 * The backend's field errors keyed by the form's own field names: the same
 * names (`amount`, `order_id`, `observation[2].at`), with row numbers moved to
 * the form's rows when blank rows were left out.
 */
export function errorsForForm(fields: FieldError[], rows: RawWithRows): Record<string, FieldError> {
  const out: Record<string, FieldError> = {};
  for (const f of fields) {
    const name = f.field.replace(/^(payment|observation)\[(\d+)\]/, (whole, list: string, n: string) => {
      const map = list === 'payment' ? rows.paymentRows : rows.observationRows;
      const row = map[Number(n)];
      return row === undefined ? whole : `${list}[${row}]`;
    });
    if (!(name in out)) out[name] = f;
  }
  return out;
}

/** The field errors a `BoundaryError`'s details carry. */
export function fieldErrorsOf(details: unknown): FieldError[] {
  if (typeof details !== 'object' || details === null) return [];
  const fields = (details as { fields?: unknown }).fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter(
    (f): f is FieldError =>
      typeof f === 'object' && f !== null && typeof (f as FieldError).field === 'string',
  );
}

/** The form's field each draft field fills (`payment` is the first payment row). */
export const DRAFT_FIELD: Record<string, string> = {
  platform: 'platform',
  order_id: 'order_id',
  payment: 'payment[0].id',
  amount: 'amount',
  submitted_at: 'submitted_at',
  method: 'method',
  card_last4: 'card_last4',
  item: 'item',
};

/**
 * The form with what a draft from screenshots read filled in: every value
 * the screenshots showed replaces the form's, the rest stays as typed;
 * payment numbers and observations not in the form yet are added (into a
 * blank row first), and the screenshots join the attachments.
 */
export function withDraft(form: FormState, raw: RawCase): FormState {
  const d = fromRaw(raw);
  const f: FormState = { ...form, payments: [...form.payments], observations: [...form.observations], rest: { ...form.rest } };
  if (text(raw.platform)) f.platform = d.platform;
  if (d.platformName) f.platformName = d.platformName;
  for (const k of ['orderId', 'amount', 'currency', 'method', 'submittedAt', 'cardLast4', 'item'] as const) {
    if (d[k]) f[k] = d[k];
  }
  for (const p of d.payments) {
    if (!p.id || f.payments.some((q) => q.id.trim() === p.id)) continue;
    const blank = f.payments.findIndex((q) => q.id.trim() === '');
    if (blank >= 0) f.payments[blank] = p;
    else f.payments.push(p);
  }
  for (const o of d.observations) {
    if (f.observations.some((q) => q.source === o.source && q.status.trim() === o.status)) continue;
    const blank = f.observations.findIndex(
      (q) => q.source === o.source && q.status.trim() === '' && q.at.trim() === '' && q.amount.trim() === '',
    );
    if (blank >= 0) f.observations[blank] = o;
    else f.observations.push(o);
  }
  if (raw.timezone !== null) f.rest.timezone = raw.timezone;
  if (raw.merchant !== null) f.rest.merchant = raw.merchant;
  const files = new Set(f.rest.attachment.map((a) => text(a.file)));
  f.rest.attachment = [...f.rest.attachment, ...raw.attachment.filter((a) => !files.has(text(a.file)))];
  return f;
}

/**
 * A payment's number typed as the order number: moved into the first empty
 * payment row (a new row when none is empty). Returns the row it went to.
 */
export function moveOrderToPayment(form: FormState): number {
  const id = form.orderId.trim();
  let i = form.payments.findIndex((p) => p.id.trim() === '');
  if (i < 0) {
    form.payments.push(paymentRow());
    i = form.payments.length - 1;
  }
  form.payments[i].id = id;
  form.orderId = '';
  return i;
}

/**
 * An order number typed as payment `i`: moved to the order field; what the
 * order field held (a payment's number, as a rule, when they were swapped)
 * takes its place.
 */
export function movePaymentToOrder(form: FormState, i: number): void {
  const row = form.payments[i];
  if (!row) return;
  const id = row.id.trim();
  row.id = form.orderId.trim();
  form.orderId = id;
}
