// Translation keys for the backend's closed sets of codes. Written out as
// literal keys so the i18n check sees each one used.

import type { Key } from '$lib/i18n.svelte';
import type { Stage } from '$lib/bindings/Stage';
import type { StageState } from '$lib/bindings/StageState';
import type { SourceKind } from '$lib/bindings/SourceKind';
import type { Audience } from '$lib/bindings/Audience';
import type { Code } from '$lib/bindings/Code';
import type { DeadlineKind } from '$lib/bindings/DeadlineKind';
import type { Confidence } from '$lib/bindings/Confidence';
import type { SourceStatus } from '$lib/bindings/SourceStatus';
import type { ErrorCode } from '$lib/bindings/ErrorCode';
import type { Method } from '$lib/bindings/Method';
import type { Via } from '$lib/bindings/Via';
import type { Format } from '$lib/bindings/Format';
import type { EvidenceKind } from '$lib/bindings/EvidenceKind';

export const STAGES: Stage[] = ['submitted', 'bank_processing', 'callback', 'credited', 'refund'];

export const STAGE_NAME: Record<Stage, Key> = {
  submitted: 'stage.submitted',
  bank_processing: 'stage.bank_processing',
  callback: 'stage.callback',
  credited: 'stage.credited',
  refund: 'stage.refund',
};

export const STAGE_HINT: Record<Stage, Key> = {
  submitted: 'stage.submitted.hint',
  bank_processing: 'stage.bank_processing.hint',
  callback: 'stage.callback.hint',
  credited: 'stage.credited.hint',
  refund: 'stage.refund.hint',
};

export const STATE_NAME: Record<StageState, Key> = {
  done: 'state.done',
  pending: 'state.pending',
  overdue: 'state.overdue',
  failed: 'state.failed',
  unknown: 'state.unknown',
  not_applicable: 'state.not_applicable',
};

export const SOURCE_NAME: Record<SourceKind, Key> = {
  platform: 'source.platform',
  alipay: 'source.alipay',
  wechat_pay: 'source.wechat_pay',
  stripe: 'source.stripe',
  paypal: 'source.paypal',
  epay: 'source.epay',
  bank: 'source.bank',
  user: 'source.user',
};

/** How a stage's words reached us, when not typed in: named on the timeline. */
export const VIA_NAME: Record<Exclude<Via, 'manual'>, Key> = {
  bill_export: 'via.bill_export',
  sms: 'via.sms',
  receipt: 'via.receipt',
  api: 'via.api',
};

/** Where in an input a record is: "line 27", "SMS 2" … by format. */
export const EVIDENCE_PLACE: Record<Format, Key> = {
  alipay_app: 'evidence.place.line',
  alipay_web: 'evidence.place.line',
  wechat_csv: 'evidence.place.line',
  wechat_xlsx: 'evidence.place.row',
  bank_sms: 'evidence.place.sms',
  receipt: 'evidence.place.receipt',
  screenshot: 'evidence.place.screenshot',
};

/** What to check when nothing in an input fits the order, by what was read. */
export const EVIDENCE_NONE: Record<Format, Key> = {
  alipay_app: 'evidence.none.bill',
  alipay_web: 'evidence.none.bill',
  wechat_csv: 'evidence.none.bill',
  wechat_xlsx: 'evidence.none.bill',
  bank_sms: 'evidence.none.text',
  receipt: 'evidence.none.text',
  screenshot: 'evidence.none.screenshot',
};

/** The sources an observation row offers, in this order. */
export const OBSERVATION_SOURCES: SourceKind[] = [
  'platform',
  'alipay',
  'wechat_pay',
  'stripe',
  'paypal',
  'epay',
  'bank',
];

export const METHODS: Method[] = [
  'alipay',
  'wechat_pay',
  'bank_card',
  'credit_card',
  'paypal',
  'union_pay',
  'apple_pay',
  'other',
];

export const METHOD_NAME: Record<Method, Key> = {
  alipay: 'method.alipay',
  wechat_pay: 'method.wechat_pay',
  bank_card: 'method.bank_card',
  credit_card: 'method.credit_card',
  paypal: 'method.paypal',
  union_pay: 'method.union_pay',
  apple_pay: 'method.apple_pay',
  other: 'method.other',
};

/**
 * The audience codes the `complaint` and `save_message` commands accept
 * (`Audience::parse`). The serialized `Audience` spells one of them
 * `consumer12315`; both spellings are taken in, this one is sent.
 */
export type AudienceCode = Exclude<Audience, 'consumer12315'> | 'consumer_12315';

/** An `Audience` as the backend serialized it, as the code its commands accept. */
export function audienceCode(a: Audience | string | null | undefined): AudienceCode | null {
  if (!a) return null;
  const code = a === 'consumer12315' ? 'consumer_12315' : a;
  return (AUDIENCES as string[]).includes(code) ? (code as AudienceCode) : null;
}

export const AUDIENCES: AudienceCode[] = [
  'platform_chat',
  'platform_ticket',
  'payment_provider',
  'consumer_12315',
  'heimao',
  'card_issuer',
];

export const AUDIENCE_NAME: Record<AudienceCode, Key> = {
  platform_chat: 'audience.platform_chat',
  platform_ticket: 'audience.platform_ticket',
  payment_provider: 'audience.payment_provider',
  consumer_12315: 'audience.consumer_12315',
  heimao: 'audience.heimao',
  card_issuer: 'audience.card_issuer',
};

export const AUDIENCE_HINT: Record<AudienceCode, Key> = {
  platform_chat: 'audience.platform_chat.hint',
  platform_ticket: 'audience.platform_ticket.hint',
  payment_provider: 'audience.payment_provider.hint',
  consumer_12315: 'audience.consumer_12315.hint',
  heimao: 'audience.heimao.hint',
  card_issuer: 'audience.card_issuer.hint',
};

/** Short labels for the case list. */
export const DIAGNOSIS_SHORT: Record<Code, Key> = {
  refunded: 'diagnosis.refunded',
  credited: 'diagnosis.credited',
  duplicate_payment: 'diagnosis.duplicate_payment',
  refund_in_progress: 'diagnosis.refund_in_progress',
  risk_control_block: 'diagnosis.risk_control_block',
  user_side_limit: 'diagnosis.user_side_limit',
  closed_reversal_pending: 'diagnosis.closed_reversal_pending',
  platform_bug: 'diagnosis.platform_bug',
  callback_lost: 'diagnosis.callback_lost',
  callback_late: 'diagnosis.callback_late',
  debited_unconfirmed: 'diagnosis.debited_unconfirmed',
  provider_outage: 'diagnosis.provider_outage',
  not_paid: 'diagnosis.not_paid',
  within_normal_window: 'diagnosis.within_normal_window',
  insufficient_evidence: 'diagnosis.insufficient_evidence',
};

/** How serious a diagnosis is, for its colour. */
export function diagnosisTone(code: string): 'good' | 'wait' | 'bad' | 'info' {
  switch (code) {
    case 'credited':
    case 'refunded':
      return 'good';
    case 'within_normal_window':
    case 'refund_in_progress':
    case 'closed_reversal_pending':
    case 'callback_late':
      return 'wait';
    case 'insufficient_evidence':
    case 'not_paid':
      return 'info';
    default:
      return 'bad';
  }
}

export const DEADLINE_KIND: Record<DeadlineKind, Key> = {
  wait_until: 'deadline.wait_until',
  contact_by: 'deadline.contact_by',
  reply_by: 'deadline.reply_by',
  refund_expected_by: 'deadline.refund_expected_by',
  last_day: 'deadline.last_day',
};

export const CONFIDENCE: Record<Confidence, Key> = {
  likely: 'recognition.likely',
  possible: 'recognition.possible',
  unlikely: 'recognition.unlikely',
};

export const SOURCE_STATUS: Record<SourceStatus, Key> = {
  waiting: 'check.status.waiting',
  running: 'check.status.running',
  done: 'check.status.done',
  skipped: 'check.status.skipped',
  failed: 'check.status.failed',
  cancelled: 'check.status.cancelled',
};

export const ERROR_MESSAGE: Record<ErrorCode, Key> = {
  invalid_case: 'error.invalid_case',
  syntax: 'error.syntax',
  bad_argument: 'error.bad_argument',
  not_found: 'error.not_found',
  ambiguous: 'error.ambiguous',
  exists: 'error.exists',
  io: 'error.io',
  store: 'error.store',
  cancelled: 'error.cancelled',
  unreadable_evidence: 'error.unreadable_evidence',
  password: 'error.password',
  credentials: 'error.credentials',
  source_failed: 'error.source_failed',
  changed: 'error.changed',
  busy: 'error.busy',
  not_chosen: 'error.not_chosen',
  internal: 'error.internal',
};

/** A key from a table, or a fallback for codes the UI does not know yet. */
export function keyOf<K extends string>(table: Record<K, Key>, code: string | null | undefined, fallback: Key): Key {
  return code != null && code in table ? table[code as K] : fallback;
}

/** Quick status words per source, for the observation rows. */
export const QUICK_STATUS: Record<'platform' | 'provider' | 'bank', string[]> = {
  platform: ['支付失败', '处理中', '待确认', '已到账', '退款中'],
  provider: ['交易成功', '支付成功', '等待付款', '交易关闭', '退款成功'],
  bank: ['已扣款'],
};

export function quickStatusFor(source: string): string[] {
  if (source === 'platform') return QUICK_STATUS.platform;
  if (source === 'bank') return QUICK_STATUS.bank;
  return QUICK_STATUS.provider;
}

/** What an attachment of the case is. */
export const ATTACHMENT_KIND: Record<EvidenceKind, Key> = {
  platform_screenshot: 'attachment.platform_screenshot',
  payment_record: 'attachment.payment_record',
  bill_export: 'attachment.bill_export',
  bank_statement: 'attachment.bank_statement',
  chat_log: 'attachment.chat_log',
  other: 'attachment.other',
};
