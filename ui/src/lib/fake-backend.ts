// An in-memory Backend for tests and the browser preview. Wherever the real
// backend's answer was recorded (./fixtures/, see fixtures/README.md) it
// answers with that: the check reports, complaints and ID readings
// (`daozhang check|complaint|id --json` of the bundled examples), the
// evidence scans of the recorded bill, SMS and receipt and the errors for
// what cannot be read, the sources' settings forms and an untrusted
// source's error, the batch preview, run and errors (written by the Rust
// command test), and the validator's words for the values that batch
// refused. What no recording covers is written by hand: the validation
// rules (close to `RawCase::validate`, with its field names and "expected"
// texts), each source's progress in a check, the ladder (fake-ladder.ts),
// the follow-up, the keychain, a batch's progress and a run cut short, the
// exports' contents.

import type { BatchOptions, Backend, EvidenceProgress, FileDrop, MailRequest, SaveFilter, Unlisten } from '$lib/backend';
import type { BatchCause } from '$lib/bindings/BatchCause';
import type { BatchOutcome } from '$lib/bindings/BatchOutcome';
import type { BatchPreview } from '$lib/bindings/BatchPreview';
import type { BatchProgress } from '$lib/bindings/BatchProgress';
import type { BatchRow } from '$lib/bindings/BatchRow';
import type { BatchRun } from '$lib/bindings/BatchRun';
import type { BatchSummary } from '$lib/bindings/BatchSummary';
import type { AppInfo } from '$lib/bindings/AppInfo';
import type { AudienceCode } from '$lib/labels';
import type { BoundaryError } from '$lib/bindings/BoundaryError';
import type { Candidate } from '$lib/bindings/Candidate';
import type { Case } from '$lib/bindings/Case';
import type { CaseSummary } from '$lib/bindings/CaseSummary';
import type { CheckReport } from '$lib/bindings/CheckReport';
import type { Complaint } from '$lib/bindings/Complaint';
import type { ErrorCode } from '$lib/bindings/ErrorCode';
import type { EvidenceScan } from '$lib/bindings/EvidenceScan';
import type { FieldError } from '$lib/bindings/FieldError';
import type { FollowView } from '$lib/bindings/FollowView';
import type { LadderView } from '$lib/bindings/LadderView';
import type { MessageRecord } from '$lib/bindings/MessageRecord';
import { fakeLadder } from '$lib/fake-ladder';
import type { Looked } from '$lib/bindings/Looked';
import type { Lang } from '$lib/bindings/Lang';
import type { Method } from '$lib/bindings/Method';
import type { Observation } from '$lib/bindings/Observation';
import type { OpenedCase } from '$lib/bindings/OpenedCase';
import type { SavedCase } from '$lib/bindings/SavedCase';
import type { PresetView } from '$lib/bindings/PresetView';
import type { RawCase } from '$lib/bindings/RawCase';
import type { RawObservation } from '$lib/bindings/RawObservation';
import type { Scalar } from '$lib/bindings/Scalar';
import type { SourceKind } from '$lib/bindings/SourceKind';
import type { SourceProgress } from '$lib/bindings/SourceProgress';
import type { SourceSettings } from '$lib/bindings/SourceSettings';
import type { MyDetails } from '$lib/bindings/MyDetails';
import type { Bilingual } from '$lib/bindings/Bilingual';
import type { Draft } from '$lib/bindings/Draft';

import checkDouyin from './fixtures/check-douyin.json';
import checkLive from './fixtures/check-live.json';
import checkCardshop from './fixtures/check-cardshop.json';
import complaintsDouyin from './fixtures/complaints-douyin.json';
import complaintsLive from './fixtures/complaints-live.json';
import complaintsCardshop from './fixtures/complaints-cardshop.json';
import idFixtures from './fixtures/ids.json';
import checkDouyinEvidence from './fixtures/check-douyin-evidence.json';
import evidenceBill from './fixtures/evidence-bill.json';
import evidenceSms from './fixtures/evidence-sms.json';
import evidenceReceipt from './fixtures/evidence-receipt.json';
import evidenceErrors from './fixtures/evidence-errors.json';
import sourceForms from './fixtures/sources.json';
import sourcesUntrusted from './fixtures/sources-untrusted.json';
import batchFixture from './fixtures/batch.json';
import draftFixture from './fixtures/draft.json';

export const REPORTS = {
  douyin: checkDouyin as unknown as CheckReport,
  live: checkLive as unknown as CheckReport,
  cardshop: checkCardshop as unknown as CheckReport,
};

/** Reports of the example orders once evidence was imported into them. */
export const REPORTS_WITH_EVIDENCE: Record<string, CheckReport> = {
  '7439201234567890123': checkDouyinEvidence as unknown as CheckReport,
};

/**
 * The backend's scans of the DOU+ order as typed by hand: a GBK Alipay
 * export (one row with the payment number, one that only fits), two bank
 * SMS (one fits), an Alipay detail page (with the payment number).
 */
export const SCANS = {
  bill: evidenceBill as unknown as EvidenceScan,
  sms: evidenceSms.scan as unknown as EvidenceScan,
  receipt: evidenceReceipt.scan as unknown as EvidenceScan,
};
/** The texts those scans were read from. */
export const EVIDENCE_TEXT = { sms: evidenceSms.text, receipt: evidenceReceipt.text };
/** The recorded scans of pasted text, by the text as the panel sends it (trimmed). */
const TEXT_SCANS = new Map<string, EvidenceScan>([
  [EVIDENCE_TEXT.sms.trim(), SCANS.sms],
  [EVIDENCE_TEXT.receipt.trim(), SCANS.receipt],
]);
/**
 * The backend's errors for a PDF chosen as a bill, for text that is no SMS
 * or receipt, and for WeChat Pay's locked bill zip without its password and
 * with a wrong one.
 */
/** `daozhang case draft alipay.png order.png --json`: Alipay's 账单详情 and DOU+'s order page (see fixtures/README.md). */
export const DRAFT = draftFixture as unknown as Draft;

export const EVIDENCE_ERRORS = {
  file: evidenceErrors.file as unknown as BoundaryError,
  text: evidenceErrors.text as unknown as BoundaryError,
  password: evidenceErrors.password as unknown as BoundaryError,
  wrongPassword: evidenceErrors.wrong_password as unknown as BoundaryError,
};
/** The password of every `.zip` the fake reads (a WeChat Pay bill zip's 6 digits). */
export const FAKE_ZIP_PASSWORD = '382716';

/**
 * The backend's batch of `fixtures/cases/batch-orders.csv` (10 orders, two
 * bad rows), checked offline as of 2026-11-21 16:30 by the command test
 * (`UPDATE_FIXTURES=1 cargo test -p daozhang --features ipc-tests --test
 * commands batch`): its preview, its run, and its errors for an existing
 * report and for a file without the time and platform columns.
 */
export const BATCH = {
  preview: batchFixture.preview as unknown as BatchPreview,
  run: batchFixture.run as unknown as BatchRun,
  exists: batchFixture.exists as unknown as BoundaryError,
  missingColumns: batchFixture.missing_columns as unknown as BoundaryError,
};

const OUTCOMES: BatchOutcome[] = ['settled', 'waiting', 'broken_link', 'unknown', 'error'];

/**
 * Tallies report rows like `Summary::of` (batch/mod.rs): counts by outcome,
 * causes most rows first. Only for what was not recorded: the progress
 * events, and a run cut short.
 */
export function summarize(rows: BatchRow[], total: number): BatchSummary {
  const counts: Partial<Record<BatchOutcome, number>> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  const causes = new Map<string, BatchCause>();
  for (const r of rows) {
    counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    const code = r.code ?? 'error';
    const c = causes.get(code) ?? { code, outcome: r.outcome, broken_link: r.broken_link, title: r.summary, rows: 0 };
    c.rows += 1;
    causes.set(code, c);
  }
  return {
    total,
    done: rows.length,
    resumed: 0,
    cancelled: false,
    counts,
    causes: [...causes.values()].sort((a, b) => b.rows - a.rows || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    requests: {},
    elapsed_ms: 0,
    ignored_columns: [...BATCH.preview.ignored_columns],
  };
}

/** The live sources' settings forms, as `list_sources` shows them with nothing saved. */
export const SOURCE_FORMS = sourceForms as unknown as SourceSettings[];

/**
 * A check's sources when the Alipay settings hold a public key Alipay does
 * not sign with: `api:alipay` failed, its unused answer kept in `raw`.
 */
export const SOURCES_UNTRUSTED = sourcesUntrusted as unknown as SourceProgress[];

/** The backend's words when the OS keychain cannot be reached (sources/creds.rs). */
export const KEYCHAIN_UNAVAILABLE: Bilingual = {
  'zh-CN':
    '系统钥匙串不可用（Platform secure storage failure: DBus error: Failed to connect to socket /run/user/1000/bus: No such file or directory）；可改用 DAOZHANG_* 环境变量（见 docs/sources.md）',
  en: 'the system keychain is not available (Platform secure storage failure: DBus error: Failed to connect to socket /run/user/1000/bus: No such file or directory); set the DAOZHANG_* environment variables instead (see docs/sources.md)',
};

const untrustedAlipay = SOURCES_UNTRUSTED.find((s) => s.source === 'api:alipay');
if (!untrustedAlipay) throw new Error('fixtures/sources-untrusted.json has no api:alipay');

/**
 * `test_connection`'s error for an Alipay answer signed with another key:
 * the words are the recorded check's (`api:alipay` in
 * `sources-untrusted.json`, the same source error); the unused answer in
 * `raw` is written by hand (a connection test asks for an order that does
 * not exist).
 */
export const UNTRUSTED_CONNECTION: BoundaryError = {
  code: 'source_failed',
  message: untrustedAlipay.detail.en,
  details: {
    text: structuredClone(untrustedAlipay.detail),
    raw: '{"alipay_trade_query_response":{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在","out_trade_no":"DAOZHANG-CONNECTION-TEST"},"sign":"JWvQsXLqgQbvEmU8VSJbSqttUCKw2tBtf0HmOPsTZErrNrmBVBw6nCmmOTN/1Nkm4n7RUmWzncv5GgKydbszFhFjO6LA03euy1U3v5lWnWOLSbhmAJfbJ+LUSRnPBRXzqbZb7Zv=="}',
  },
};

/** What `test_connection` says when the settings work (sources/alipay.rs, wechat.rs). */
function connected(source: string, values: Record<string, string>, form: SourceSettings): Bilingual {
  const host = (key: string) =>
    values[key] || form.fields.find((f) => f.key === key)?.default || '';
  if (source === 'alipay') {
    const g = host('gateway');
    return {
      'zh-CN': `连接正常：${g} 接受了请求签名，应答签名已用支付宝公钥验证`,
      en: `connected: ${g} accepted our signature and its answer verified with the Alipay public key`,
    };
  }
  const b = host('base_url');
  return {
    'zh-CN': `连接正常：${b} 接受了请求签名，应答签名已验证`,
    en: `connected: ${b} accepted our signature and its answer's signature verified`,
  };
}

const COMPLAINTS: Record<string, Record<string, Complaint>> = {
  '7439201234567890123': complaintsDouyin as unknown as Record<string, Complaint>,
  LS20261121200512345: complaintsLive as unknown as Record<string, Complaint>,
  K7M2Q9XW4T8B1N5D: complaintsCardshop as unknown as Record<string, Complaint>,
};

const IDS = idFixtures as unknown as Record<string, Candidate[]>;

/** data/platforms.toml, as `presets` returns it. */
export const PRESETS: PresetView[] = [
  {
    id: 'douyin_dou_plus',
    name: { 'zh-CN': '抖音 DOU+', en: 'Douyin DOU+' },
    product: { 'zh-CN': 'DOU+ 推广订单', en: 'DOU+ promotion order' },
  },
  {
    id: 'live_stream_topup',
    name: { 'zh-CN': '直播 / 交友 App 充值', en: 'live-stream / dating app top-up' },
    product: { 'zh-CN': '虚拟币（钻石 / 金币）充值', en: 'coin (diamond) top-up' },
  },
  {
    id: 'card_shop',
    name: { 'zh-CN': '卡盟 / 发卡网', en: 'digital-goods card shop' },
    product: { 'zh-CN': '卡密 / 虚拟商品订单', en: 'digital goods (card key) order' },
  },
  {
    id: 'stripe_site',
    name: { 'zh-CN': '使用 Stripe 收款的网站', en: 'a Stripe-paid website' },
    product: { 'zh-CN': '网站订单', en: 'website order' },
  },
  {
    id: 'paypal_site',
    name: { 'zh-CN': '使用 PayPal 收款的网站', en: 'a PayPal-paid website' },
    product: { 'zh-CN': '网站订单', en: 'website order' },
  },
  {
    id: 'other',
    name: { 'zh-CN': '其他平台', en: 'other platform' },
    product: { 'zh-CN': '订单', en: 'order' },
  },
];

// The backend's own "expected" texts (domain/case.rs, money.rs, time.rs).
export const EXPECTED = {
  platform:
    'a preset (douyin_dou_plus, live_stream_topup, card_shop, stripe_site, paypal_site, other) or the platform\'s name',
  order_id: "the platform's order number",
  id: 'an ID of 1 to 64 letters, digits or - _ . : / #',
  amount: 'an amount greater than zero such as 200, 200.00, ¥200 or 1,234.50 元',
  currency: 'a three-letter ISO 4217 currency code such as CNY, USD or EUR',
  method:
    'one of alipay, wechat_pay, bank_card, credit_card, paypal, union_pay, apple_pay, other (or 支付宝, 微信, 银行卡, 信用卡, 云闪付 …)',
  submitted_at: 'a date and time like 2026-11-21 15:14 or 2026-11-21T15:14:00+08:00',
  time: "a time like 2026-11-21 15:15, 2026-11-21T15:15:00+08:00 or, for an observation on the order's day, 15:15",
  card_last4: 'the last four digits of the card, e.g. 1234',
  payment_id: "the payment provider's transaction number",
  source:
    'one of platform, alipay, wechat_pay, stripe, paypal, epay, bank, user (or 平台, 支付宝, 微信支付, 银行短信 …)',
  status: 'the status words the source shows, e.g. 支付失败 or 交易成功',
} as const;

const METHODS: Method[] = [
  'alipay',
  'wechat_pay',
  'bank_card',
  'credit_card',
  'paypal',
  'union_pay',
  'apple_pay',
  'other',
];
const SOURCES: SourceKind[] = ['platform', 'alipay', 'wechat_pay', 'stripe', 'paypal', 'epay', 'bank', 'user'];

function err(code: ErrorCode, message: string, details: BoundaryError['details'] = null): BoundaryError {
  return { code, message, details };
}

function text(v: Scalar | null | undefined): string {
  return v === null || v === undefined ? '' : String(v).trim();
}

const TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/;
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/** A time as RFC 3339 in +08:00 (the fake knows only China time), or null. */
function parseTime(s: string, day?: string): string | null {
  const m = TIME.exec(s);
  const pad = (n: string) => n.padStart(2, '0');
  if (m) {
    const [, date, hh, mm, ss, off] = m;
    if (Number(hh) > 23 || Number(mm) > 59) return null;
    return `${date}T${pad(hh)}:${mm}:${ss ?? '00'}${off && off !== 'Z' ? off : '+08:00'}`;
  }
  const c = CLOCK.exec(s);
  if (c && day) {
    const [, hh, mm, ss] = c;
    if (Number(hh) > 23 || Number(mm) > 59) return null;
    return `${day}T${pad(hh)}:${mm}:${ss ?? '00'}+08:00`;
  }
  return null;
}

/** An amount as people write it (`200`, `¥200`, `1,234.50 元`), or why not. */
function parseAmount(s: string): { ok: string } | { why: string } {
  const t = s.replace(/[¥￥元,\s]/g, '').replace(/^CNY/i, '');
  if (t === '') return { why: 'is empty' };
  if (!/^\d+(\.\d+)?$/.test(t)) return { why: 'is not a number' };
  const [whole, frac = ''] = t.split('.');
  if (frac.length > 2) return { why: `has ${frac.length} decimal places; CNY has 2` };
  if (Number(t) <= 0) return { why: 'is not greater than zero' };
  return { ok: frac ? `${whole}.${frac}` : whole };
}

const VALID_ID = /^[A-Za-z0-9\-_.:/#]{1,64}$/;

/** The batch file's columns by the case field `RawCase::validate` names (batch/import.rs `Column::of_field`). */
const FIELD_OF_COLUMN: Record<string, string> = { time: 'submitted_at' };

/**
 * `RawCase::validate`'s own answers for values it refused, as recorded in
 * the batch preview of `cases/batch-orders.csv` (a row problem is a field
 * error with the field shown as its column): the amount "two hundred", the
 * order time "yesterday".
 */
export const RECORDED_FIELD_ERRORS: FieldError[] = BATCH.preview.bad_rows.flatMap((r) =>
  r.problems.map((p) => {
    const column = BATCH.preview.columns.find((c) => c.header === p.column)?.column ?? p.column;
    return { field: FIELD_OF_COLUMN[column] ?? column, given: p.given, expected: p.expected };
  }),
);

/**
 * Validates like `RawCase::validate`: every bad field, named as the backend
 * names it. Where the backend's answer for the field and value was
 * recorded, that is the answer.
 */
export function validateRaw(raw: RawCase): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, given: string | null, expected: string) => {
    const recorded = RECORDED_FIELD_ERRORS.find((e) => e.field === field && e.given === given);
    errors.push(recorded ? { ...recorded } : { field, given, expected });
  };

  if (!text(raw.platform)) fail('platform', null, EXPECTED.platform);
  const order = text(raw.order_id).replace(/\s+/g, '');
  if (!order) fail('order_id', null, EXPECTED.order_id);
  else if (!VALID_ID.test(order)) fail('order_id', order, EXPECTED.id);

  const currency = text(raw.currency);
  if (currency && !/^[A-Za-z]{3}$/.test(currency) && !['元', '人民币', '¥', '￥'].includes(currency))
    fail('currency', currency, EXPECTED.currency);

  const amount = text(raw.amount);
  if (!amount) fail('amount', null, EXPECTED.amount);
  else {
    const a = parseAmount(amount);
    if ('why' in a) fail('amount', amount, `${EXPECTED.amount} (this one ${a.why})`);
  }

  const method = text(raw.method);
  if (!method) fail('method', null, EXPECTED.method);
  else if (!METHODS.includes(method as Method)) fail('method', method, EXPECTED.method);

  const last4 = text(raw.card_last4);
  if (last4 && !(/^[\d\s*-]+$/.test(last4) && last4.replace(/\D/g, '').length >= 4))
    fail('card_last4', '(hidden)', EXPECTED.card_last4);

  const submitted = text(raw.submitted_at);
  let day: string | undefined;
  if (!submitted) fail('submitted_at', null, EXPECTED.time);
  else {
    const t = parseTime(submitted);
    if (!t) fail('submitted_at', submitted, EXPECTED.submitted_at);
    else day = t.slice(0, 10);
  }

  const seen = new Set<string>();
  raw.payment.forEach((p, i) => {
    const id = text(p.id).replace(/\s+/g, '');
    if (!id) fail(`payment[${i}].id`, null, EXPECTED.payment_id);
    else if (!VALID_ID.test(id)) fail(`payment[${i}].id`, id, EXPECTED.id);
    else if (seen.has(id)) fail(`payment[${i}].id`, id, 'each payment ID once');
    seen.add(id);
  });

  raw.observation.forEach((o, i) => {
    const source = text(o.source);
    if (!source) fail(`observation[${i}].source`, null, EXPECTED.source);
    else if (!SOURCES.includes(source as SourceKind)) fail(`observation[${i}].source`, source, EXPECTED.source);
    if (!text(o.status)) fail(`observation[${i}].status`, null, EXPECTED.status);
    const at = text(o.at);
    if (at && !parseTime(at, day)) fail(`observation[${i}].at`, at, EXPECTED.time);
    const amt = text(o.amount);
    if (amt) {
      const a = parseAmount(amt);
      if ('why' in a) fail(`observation[${i}].amount`, amt, `${EXPECTED.amount} (this one ${a.why})`);
    }
  });
  return errors;
}

function invalid(errors: FieldError[]): BoundaryError {
  const lines = errors.map((e) =>
    e.given === null ? `${e.field}: missing, expected ${e.expected}` : `${e.field}: got "${e.given}", expected ${e.expected}`,
  );
  return err(
    'invalid_case',
    `the case has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n  ${lines.join('\n  ')}`,
    { fields: errors },
  );
}

const PLATFORM_NAMES = Object.fromEntries(PRESETS.map((p) => [p.id, p.name]));

function platformOf(raw: RawCase) {
  const name = text(raw.platform_name);
  if (name) return { 'zh-CN': name, en: name };
  return PLATFORM_NAMES[text(raw.platform)] ?? PLATFORM_NAMES.other;
}

/** A `Case` good enough for `open_case`'s `stored.case` (the UI reads the raw form). */
function caseOf(raw: RawCase): Case {
  const submitted = parseTime(text(raw.submitted_at)) ?? '2026-11-21T00:00:00+08:00';
  const day = submitted.slice(0, 10);
  const amount = parseAmount(text(raw.amount));
  return {
    platform: { preset: text(raw.platform) || 'other', name: text(raw.platform_name) || null },
    order_id: text(raw.order_id),
    payments: raw.payment.map((p) => ({
      id: text(p.id),
      provider: (text(p.provider) || null) as SourceKind | null,
      recognised: false,
    })),
    amount: { amount: 'ok' in amount ? amount.ok : '0', currency: text(raw.currency) || 'CNY' },
    method: (text(raw.method) || 'other') as Method,
    card_last4: text(raw.card_last4) || null,
    submitted_at: submitted,
    item: text(raw.item) || null,
    merchant: text(raw.merchant) || null,
    complainant: raw.complainant ?? { name: null, phone: null, email: null, address: null, account: null },
    attachments: [],
    contacts: [],
    observations: raw.observation.map((o) => ({
      at: parseTime(text(o.at), day),
      source: (text(o.source) || 'user') as SourceKind,
      via: 'manual',
      raw: text(o.status),
      claim: 'unknown',
      amount: text(o.amount) || null,
      payment_id: text(o.payment) || null,
      note: text(o.note) || null,
    })),
  };
}

interface Stored {
  id: string;
  raw: RawCase;
  created_at: string;
  updated_at: string;
  checks: { at: string; report: CheckReport }[];
  messages: MessageRecord[];
  /** The last evidence scan, until accepted or replaced. */
  pending: EvidenceScan | null;
  /** Observations added from evidence. */
  imported: Observation[];
  /** The names of the files kept with the case. */
  kept?: string[];
  /** Bumped by every change of `raw`, as the case file's revision. */
  revision: number;
}

/** An accepted observation as a row of the case's raw form. */
function rawObservation(o: Observation): RawObservation {
  return {
    at: o.at,
    source: o.source,
    status: o.raw,
    means: null,
    via: o.via,
    amount: o.amount,
    payment: o.payment_id,
    note: o.note,
  };
}

const sameObservation = (a: Observation, b: Observation) => JSON.stringify(a) === JSON.stringify(b);

export interface FakeOptions {
  /** Pause between progress steps and before answers (ms). 0 in tests. */
  delayMs?: number;
  /** The OS locale `app_info` reports. */
  locale?: string;
  /** The "now" stored records carry. */
  now?: string;
}

/** The in-memory backend. Everything it was asked is in `calls`; what it did is inspectable. */
export class FakeBackend implements Backend {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly copied: string[] = [];
  readonly files = new Map<string, string>();
  readonly openedMails: MailRequest[] = [];
  readonly cases = new Map<string, Stored>();
  /** Reports by order ID, replacing the built-in choice. */
  readonly reports = new Map<string, CheckReport>();
  /** Errors to throw from a method once, by method name. */
  readonly failures = new Map<string, BoundaryError>();
  windowShown = false;
  /** The path the next save dialog answers; `null` = the user cancels. */
  savePath: string | null = '/home/user/complaint.txt';
  /**
   * Holds `runCheck` before the source at this index runs (the number of
   * sources: after the last) until `release()` is called. `null`: no hold.
   */
  holdAt: number | null = null;
  /** The file the open dialog answers; `null` = the user cancels. */
  evidencePath: string | null = '/home/user/Downloads/支付宝交易明细(20261101-20261122).csv';
  /** Several evidence files chosen together (when set, instead of `evidencePath`). */
  evidencePaths: string[] | null = null;
  /** The screenshots the open dialog answers; empty = the user cancels. */
  screenshotPaths: string[] = ['/home/user/Pictures/alipay.png', '/home/user/Pictures/order.png'];
  /** Holds `scanEvidenceFile` after its first progress step until `releaseEvidence()` or a cancel. */
  holdEvidence = false;
  /** The scan the next `scanEvidenceFile` / `scanEvidenceText` answers instead of the built-in one. */
  nextScan: EvidenceScan | null = null;

  /** The file the orders dialog answers; `null` = the user cancels. A path with `bad` in it lacks columns. */
  ordersPath: string | null = '/home/user/Documents/orders-november.csv';
  /** Batch reports on "disk", by path: their rows as written so far. */
  readonly batchReports = new Map<string, BatchRow[]>();
  /** Copies of reports saved through `batchSaveReport`, by path. */
  readonly savedReports = new Map<string, BatchRow[]>();
  /** Holds `batchRun` after this many new rows until `releaseBatch()` or a cancel. `null`: no hold. */
  holdBatchAt: number | null = null;
  /** Paths shown in the file manager. */
  readonly revealed: string[] = [];

  /** The OS keychain: saved settings by source, then by field. */
  readonly keychain = new Map<string, Record<string, string>>();
  /** DAOZHANG_* variables the app was started with, by source, then by field (they win over the keychain). */
  readonly env = new Map<string, Record<string, string>>();
  /** Why the keychain cannot be used; `null`: it works. */
  keychainProblem: Bilingual | null = null;
  /** Holds `testConnection` until `releaseConnection()`. */
  holdConnection = false;
  /** A source's final progress in a check (by key, `api:alipay` …), instead of the fake's own. */
  readonly sourceResults = new Map<string, SourceProgress>();
  private connectionReleased: (() => void) | null = null;

  private listeners = new Set<(p: SourceProgress[]) => void>();
  private evidenceListeners = new Set<(p: EvidenceProgress) => void>();
  private dropListeners = new Set<(d: FileDrop) => void>();
  private evidenceCancelled = false;
  private batchListeners = new Set<(p: BatchProgress) => void>();
  private batchCancelled = false;
  private batchReleased: (() => void) | null = null;
  private evidenceReleased: (() => void) | null = null;
  private cancelled = false;
  private released: (() => void) | null = null;
  private nextId = 1;
  private readonly delayMs: number;
  private readonly locale: string;
  private readonly now: string;

  constructor(options: FakeOptions = {}) {
    this.delayMs = options.delayMs ?? 0;
    this.locale = options.locale ?? 'en_US.UTF-8';
    this.now = options.now ?? '2026-11-21T16:30:00+08:00';
  }

  private async step<T>(method: string, args: unknown[], fn: () => T | Promise<T>): Promise<T> {
    this.calls.push({ method, args });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const f = this.failures.get(method);
    if (f) {
      this.failures.delete(method);
      throw f;
    }
    return fn();
  }

  callsTo(method: string) {
    return this.calls.filter((c) => c.method === method);
  }

  appInfo(): Promise<AppInfo> {
    return this.step('appInfo', [], () => ({
      version: '0.1.0',
      data_file: '/home/user/.local/share/daozhang/cases.sqlite3',
      locale: this.locale,
    }));
  }

  presets(): Promise<PresetView[]> {
    return this.step('presets', [], () => structuredClone(PRESETS));
  }

  recogniseId(input: string): Promise<Candidate[]> {
    return this.step('recogniseId', [input], () => {
      const id = input.replace(/\s+/g, '');
      return structuredClone(IDS[id] ?? []);
    });
  }

  validateIntake(raw: RawCase): Promise<void> {
    return this.step('validateIntake', [raw], () => {
      const errors = validateRaw(raw);
      if (errors.length) throw invalid(errors);
    });
  }

  saveCase(raw: RawCase, id?: string | null, revision?: number | null): Promise<SavedCase> {
    return this.step('saveCase', [raw, id ?? null, revision ?? null], () => {
      const errors = validateRaw(raw);
      if (errors.length) throw invalid(errors);
      if (id) {
        const c = this.cases.get(id);
        if (!c) throw err('not_found', `no case ${id}`);
        // A revision this backend never handed out: the edit's starting point is unknown.
        if (revision == null || revision > c.revision) throw err('changed', `case ${id} changed since it was opened`);
        const next = structuredClone(raw);
        let kept = 0;
        if (revision !== c.revision) {
          // As the case file does: what was imported since the form was loaded is kept.
          for (const o of c.imported) {
            const row = rawObservation(o);
            if (!next.observation.some((x) => JSON.stringify(x) === JSON.stringify(row))) {
              next.observation.push(row);
              kept += 1;
            }
          }
        }
        c.raw = next;
        c.updated_at = this.now;
        c.revision += 1;
        return { id, revision: c.revision, kept };
      }
      const newId = `0193a1b2-c3d4-7e5f-8a9b-${String(this.nextId++).padStart(12, '0')}`;
      this.cases.set(newId, {
        id: newId,
        raw: structuredClone(raw),
        created_at: this.now,
        updated_at: this.now,
        checks: [],
        messages: [],
        pending: null,
        imported: [],
        revision: 0,
      });
      return { id: newId, revision: 0, kept: 0 };
    });
  }

  listCases(): Promise<CaseSummary[]> {
    return this.step('listCases', [], () =>
      [...this.cases.values()]
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
        .map((c) => {
          const last = c.checks.at(-1);
          const amount = parseAmount(text(c.raw.amount));
          const next = last?.report.deadlines.find((d) => !d.passed && d.due)?.due ?? null;
          return {
            id: c.id,
            platform: platformOf(c.raw),
            order_id: text(c.raw.order_id),
            amount: { amount: 'ok' in amount ? amount.ok : '', currency: text(c.raw.currency) || 'CNY' },
            created_at: c.created_at,
            updated_at: c.updated_at,
            last_check: last
              ? { at: last.at, code: last.report.diagnosis.code, broken_link: last.report.diagnosis.broken_link }
              : null,
            next_deadline: next,
            unread: this.follows.get(c.id)?.unread.length ?? 0,
          };
        }),
    );
  }

  openCase(id: string): Promise<OpenedCase> {
    return this.step('openCase', [id], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      return {
        raw: structuredClone(c.raw),
        stored: {
          id: c.id,
          created_at: c.created_at,
          updated_at: c.updated_at,
          case: caseOf(c.raw),
          checks: c.checks.map((k) => ({
            at: k.at,
            code: k.report.diagnosis.code,
            broken_link: k.report.diagnosis.broken_link,
            summary: k.report.diagnosis.summary,
            next_deadline: null,
            report: null,
          })),
          messages: structuredClone(c.messages),
        },
        revision: c.revision,
      };
    });
  }

  /** The report a check of `raw` gives: a fixture, fitted to the case's header. */
  reportFor(raw: RawCase, id: string, withEvidence = false): CheckReport {
    const order = text(raw.order_id);
    const given = this.reports.get(order) ?? (withEvidence ? REPORTS_WITH_EVIDENCE[order] : undefined);
    const base =
      given ??
      (order === REPORTS.live.case.order_id
        ? REPORTS.live
        : order === REPORTS.cardshop.case.order_id
          ? REPORTS.cardshop
          : REPORTS.douyin);
    const r = structuredClone(base);
    r.case.id = id;
    if (!given && order !== base.case.order_id) {
      const amount = parseAmount(text(raw.amount));
      r.case.order_id = order;
      r.case.platform = platformOf(raw);
      r.case.amount = { amount: 'ok' in amount ? amount.ok : r.case.amount.amount, currency: text(raw.currency) || 'CNY' };
      r.case.method = text(raw.method) || r.case.method;
      r.case.payment_ids = raw.payment.map((p) => text(p.id));
    }
    return r;
  }

  private plan(raw: RawCase): SourceProgress[] {
    const blank = { 'zh-CN': '', en: '' };
    const out: SourceProgress[] = [
      { source: 'manual', label: { 'zh-CN': '你填写的各方状态', en: 'What you reported' }, status: 'waiting', detail: blank, raw: null },
      { source: 'evidence', label: { 'zh-CN': '导入的账单与短信', en: 'Imported bills and SMS' }, status: 'waiting', detail: blank, raw: null },
    ];
    const providers = new Set<string>();
    for (const p of raw.payment) if (text(p.provider)) providers.add(text(p.provider));
    const m = text(raw.method);
    if (m === 'alipay' || m === 'wechat_pay' || m === 'paypal') providers.add(m);
    const names: Record<string, [string, string]> = {
      alipay: ['支付宝', 'Alipay'],
      wechat_pay: ['微信支付', 'WeChat Pay'],
      paypal: ['PayPal', 'PayPal'],
      stripe: ['Stripe', 'Stripe'],
      epay: ['彩虹易支付', 'epay aggregator'],
    };
    for (const p of providers) {
      const [zh, en] = names[p] ?? [p, p];
      out.push({
        source: `api:${p}`,
        label: { 'zh-CN': `${zh} 商户接口`, en: `${en} merchant API` },
        status: 'waiting',
        detail: blank,
        raw: null,
      });
    }
    return out;
  }

  private run(raw: RawCase, s: SourceProgress): SourceProgress {
    const given = this.sourceResults.get(s.source);
    if (given) return structuredClone(given);
    const manual = raw.observation.filter((o) => !text(o.via) || text(o.via) === 'manual').length;
    const evidence = raw.observation.filter((o) => ['bill_export', 'sms', 'receipt'].includes(text(o.via))).length;
    if (s.source === 'manual')
      return { ...s, status: 'done', detail: { 'zh-CN': `${manual} 条状态`, en: `${manual} status${manual === 1 ? '' : 'es'}` } };
    if (s.source === 'evidence')
      return evidence
        ? { ...s, status: 'done', detail: { 'zh-CN': `${evidence} 条记录`, en: `${evidence} record${evidence === 1 ? '' : 's'}` } }
        : { ...s, status: 'skipped', detail: { 'zh-CN': '尚未导入账单或短信', en: 'no bill or SMS imported yet' } };
    return {
      ...s,
      status: 'skipped',
      detail: {
        'zh-CN': '未设置商户凭证：普通付款人用账单与短信即可',
        en: 'no merchant credentials set: shoppers use their bill and SMS instead',
      },
    };
  }

  private emit(p: SourceProgress[]) {
    const copy = structuredClone(p);
    for (const l of this.listeners) l(copy);
  }

  /** Lets a held `runCheck` go on. */
  release() {
    const r = this.released;
    this.released = null;
    r?.();
  }

  async runCheck(id: string, now?: string | null): Promise<CheckReport> {
    this.calls.push({ method: 'runCheck', args: [id, now ?? null] });
    this.cancelled = false;
    const c = this.cases.get(id);
    if (!c) throw err('not_found', `no case ${id}`);
    const plan = this.plan(c.raw);
    const pause = async () => {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      else await Promise.resolve();
    };
    this.emit(plan);
    for (let i = 0; i < plan.length; i++) {
      if (this.holdAt === i) await new Promise<void>((r) => (this.released = r));
      if (this.cancelled) {
        for (let j = i; j < plan.length; j++) plan[j] = { ...plan[j], status: 'cancelled' };
        this.emit(plan);
        throw err('cancelled', 'the check was cancelled');
      }
      plan[i] = { ...plan[i], status: 'running' };
      this.emit(plan);
      await pause();
      plan[i] = this.run(c.raw, plan[i]);
      this.emit(plan);
    }
    if (this.holdAt === plan.length) await new Promise<void>((r) => (this.released = r));
    if (this.cancelled) throw err('cancelled', 'the check was cancelled');
    const f = this.failures.get('runCheck');
    if (f) {
      this.failures.delete('runCheck');
      throw f;
    }
    const report = this.reportFor(c.raw, id, c.imported.length > 0);
    report.sources = structuredClone(plan);
    c.checks.push({ at: report.now, report });
    return report;
  }

  cancelCheck(): Promise<void> {
    this.calls.push({ method: 'cancelCheck', args: [] });
    this.cancelled = true;
    this.release();
    return Promise.resolve();
  }

  complaint(id: string, audience: AudienceCode, lang: Lang, now?: string | null): Promise<Complaint> {
    return this.step('complaint', [id, audience, lang, now ?? null], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      const set = COMPLAINTS[text(c.raw.order_id)] ?? COMPLAINTS['7439201234567890123'];
      const found = set[`${audience}:${lang}`];
      if (!found) throw err('bad_argument', `unknown audience ${audience}`);
      return structuredClone(found);
    });
  }

  saveMessage(id: string, audience: AudienceCode, lang: Lang, text: string): Promise<void> {
    return this.step('saveMessage', [id, audience, lang, text], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      c.messages.push({ at: this.now, audience, lang, text, sent_at: null, kind: 'complaint' });
    });
  }

  exportCase(id: string): Promise<string> {
    return this.step('exportCase', [id], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      return JSON.stringify({ format: 'daozhang-case', version: 1, id: c.id, case: caseOf(c.raw) }, null, 2);
    });
  }

  writeTextFile(path: string, contents: string): Promise<void> {
    return this.step('writeTextFile', [path, contents], () => {
      this.files.set(path, contents);
    });
  }

  private stored(id: string): Stored {
    const c = this.cases.get(id);
    if (!c) throw err('not_found', `no case ${id}`);
    return c;
  }

  /** A date from the panel (`2026-11-21`) as the Rust side keeps it; never after now. */
  private day(at: string | null, now: string): string {
    if (!at) return now;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(at)) throw err('bad_argument', `"${at}" is not a date`);
    const d = `${at}T23:59:59+08:00`;
    if (at > now.slice(0, 10)) throw err('bad_argument', `"${at}" is in the future`);
    return d < now ? d : now;
  }

  caseLadder(id: string, now?: string | null): Promise<LadderView> {
    return this.step('caseLadder', [id, now ?? null], () => fakeLadder(id, this.stored(id).messages, now ?? this.now));
  }

  markSent(id: string, audience: AudienceCode, at: string | null, lang: Lang, now?: string | null): Promise<LadderView> {
    return this.step('markSent', [id, audience, at, lang, now ?? null], () => {
      const c = this.stored(id);
      const n = now ?? this.now;
      const when = this.day(at, n);
      const draft = c.messages.filter((m) => m.audience === audience && m.kind === 'complaint' && !m.sent_at).at(-1);
      if (draft) draft.sent_at = when;
      else c.messages.push({ at: n, audience, lang, text: `(${audience} ${lang})`, sent_at: when, kind: 'complaint' });
      return fakeLadder(id, c.messages, n);
    });
  }

  recordReply(
    id: string,
    audience: AudienceCode,
    at: string | null,
    text: string,
    ticket: string | null,
    promisedBy: string | null,
    now?: string | null,
  ): Promise<LadderView> {
    return this.step('recordReply', [id, audience, at, text, ticket, promisedBy, now ?? null], () => {
      const c = this.stored(id);
      const n = now ?? this.now;
      if (!text.trim()) throw err('bad_argument', 'the answer is empty: paste what they answered');
      if (promisedBy && !/^\d{4}-\d{2}-\d{2}$/.test(promisedBy))
        throw err('bad_argument', `the promised day ${JSON.stringify(promisedBy)} is not a date such as 2026-11-28`);
      c.messages.push({ at: n, audience, lang: 'zh-CN', text: text.trim(), sent_at: this.day(at, n), kind: 'answer' });
      return fakeLadder(id, c.messages, n);
    });
  }

  closeRung(id: string, audience: AudienceCode, at: string | null, note: string, now?: string | null): Promise<LadderView> {
    return this.step('closeRung', [id, audience, at, note, now ?? null], () => {
      const c = this.stored(id);
      const n = now ?? this.now;
      c.messages.push({ at: n, audience, lang: 'en', text: note.trim(), sent_at: this.day(at, n), kind: 'closed' });
      return fakeLadder(id, c.messages, n);
    });
  }

  exportMarkdown(id: string, lang: Lang, path: string, now?: string | null): Promise<string[]> {
    return this.step('exportMarkdown', [id, lang, path, now ?? null], () => {
      const c = this.stored(id);
      const kept = c.kept ?? [];
      const folder = `${(path.split('/').pop() ?? path).replace(/\.[^.]*$/, '')}.files`;
      this.files.set(
        path,
        `# ${text(c.raw.order_id)} (${lang})\n\n${c.messages.map((m) => `- ${m.kind} ${m.audience}`).join('\n')}\n${kept.map((k) => `\n![${k}](<${folder}/${k}>)`).join('')}`,
      );
      return [...kept];
    });
  }

  exportIcs(id: string, lang: Lang, now?: string | null): Promise<string> {
    return this.step('exportIcs', [id, lang, now ?? null], () => {
      this.stored(id);
      return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-LANG:${lang}\r\nEND:VCALENDAR\r\n`;
    });
  }

  /** Each case's follow-up, as the re-check loop would keep it. */
  readonly follows = new Map<string, FollowView>();
  private lookedListeners = new Set<(l: Looked) => void>();
  private openListeners = new Set<(id: string) => void>();
  uiLanguage: Lang | null = null;

  private follow(id: string): FollowView {
    let f = this.follows.get(id);
    if (!f) {
      f = {
        enabled: true,
        settled: false,
        last_run: this.now,
        next_check: this.now,
        ends: this.now,
        upcoming: [],
        backing_off: [],
        unread: [],
      };
      this.follows.set(id, f);
    }
    return f;
  }

  followStatus(id: string): Promise<FollowView> {
    return this.step('followStatus', [id], () => {
      if (!this.cases.has(id)) throw err('not_found', `no case ${id}`);
      return structuredClone(this.follow(id));
    });
  }

  setFollowing(id: string, enabled: boolean): Promise<FollowView> {
    return this.step('setFollowing', [id, enabled], () => {
      if (!this.cases.has(id)) throw err('not_found', `no case ${id}`);
      const f = this.follow(id);
      f.enabled = enabled;
      f.next_check = enabled ? this.now : null;
      return structuredClone(f);
    });
  }

  markSeen(id: string): Promise<void> {
    return this.step('markSeen', [id], () => {
      this.follow(id).unread = [];
    });
  }

  setUiLanguage(lang: Lang): Promise<void> {
    return this.step('setUiLanguage', [lang], () => {
      this.uiLanguage = lang;
    });
  }

  /** The login item: off until the user turns it on. */
  atLogin = false;

  startAtLogin(): Promise<boolean> {
    return this.step('startAtLogin', [], () => this.atLogin);
  }

  setStartAtLogin(enabled: boolean): Promise<boolean> {
    return this.step('setStartAtLogin', [enabled], () => {
      this.atLogin = enabled;
      return this.atLogin;
    });
  }

  onCaseLooked(handler: (looked: Looked) => void): Promise<Unlisten> {
    this.lookedListeners.add(handler);
    return Promise.resolve(() => {
      this.lookedListeners.delete(handler);
    });
  }

  onOpenCase(handler: (id: string) => void): Promise<Unlisten> {
    this.openListeners.add(handler);
    return Promise.resolve(() => {
      this.openListeners.delete(handler);
    });
  }

  /** What the re-check loop does after an automatic look: keep the changes unread and tell the window. */
  looked(l: Looked) {
    const f = this.follow(l.id);
    f.unread.push(...structuredClone(l.changes));
    f.last_run = l.at;
    for (const h of this.lookedListeners) h(structuredClone(l));
  }

  /** A click on a notification about case `id`. */
  clickNotification(id: string) {
    for (const h of this.openListeners) h(id);
  }

  onCheckProgress(handler: (progress: SourceProgress[]) => void): Promise<Unlisten> {
    this.listeners.add(handler);
    return Promise.resolve(() => {
      this.listeners.delete(handler);
    });
  }

  private emitEvidence(p: EvidenceProgress) {
    for (const l of this.evidenceListeners) l({ ...p });
  }

  /** Lets a held `scanEvidenceFile` go on. */
  releaseEvidence() {
    const r = this.evidenceReleased;
    this.evidenceReleased = null;
    r?.();
  }

  /** A scan of `c`: rows it holds already are marked so. */
  private pendingScan(c: Stored, scan: EvidenceScan): EvidenceScan {
    const s = structuredClone(this.nextScan ?? scan);
    this.nextScan = null;
    for (const cand of s.candidates) {
      cand.already_in_case = c.imported.some((o) => sameObservation(o, cand.observation));
    }
    c.pending = structuredClone(s);
    return s;
  }

  async scanEvidenceFile(id: string, path: string, password?: string | null): Promise<EvidenceScan> {
    // The password itself is never recorded, only whether one was given.
    this.calls.push({ method: 'scanEvidenceFile', args: password ? [id, path, '(password)'] : [id, path] });
    this.evidenceCancelled = false;
    const c = this.cases.get(id);
    if (!c) throw err('not_found', `no case ${id}`);
    const pause = async () => {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      else await Promise.resolve();
    };
    await pause();
    const f = this.failures.get('scanEvidenceFile');
    if (f) {
      this.failures.delete('scanEvidenceFile');
      throw f;
    }
    if (/bad/i.test(path)) {
      const e = structuredClone(EVIDENCE_ERRORS.file);
      e.message = `${path}: ${e.message.replace(/^.*?: /, '')}`;
      throw e;
    }
    if (/\.zip$/i.test(path) && password !== FAKE_ZIP_PASSWORD) {
      throw structuredClone(password ? EVIDENCE_ERRORS.wrongPassword : EVIDENCE_ERRORS.password);
    }
    const total = SCANS.bill.bytes;
    const steps = 4;
    for (let i = 1; i <= steps; i++) {
      this.emitEvidence({ done: Math.round((total * i) / steps), total });
      if (i === 1 && this.holdEvidence) await new Promise<void>((r) => (this.evidenceReleased = r));
      if (this.evidenceCancelled) {
        throw err('cancelled', 'Reading was cancelled.', { text: { 'zh-CN': '已取消读取。', en: 'Reading was cancelled.' } });
      }
      await pause();
    }
    return this.pendingScan(c, SCANS.bill);
  }

  /**
   * The recorded scan of a recorded text; any other text gets the recorded
   * answer to a text that is no SMS or receipt.
   */
  scanEvidenceText(id: string, pasted: string): Promise<EvidenceScan> {
    return this.step('scanEvidenceText', [id, pasted], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      const t = pasted.trim();
      if (!t)
        throw err('unreadable_evidence', 'The file is empty: export the bill again.', {
          text: { 'zh-CN': '文件是空的：请重新导出账单。', en: 'The file is empty: export the bill again.' },
        });
      const scan = TEXT_SCANS.get(t);
      if (!scan) throw structuredClone(EVIDENCE_ERRORS.text);
      return this.pendingScan(c, scan);
    });
  }

  cancelEvidence(): Promise<void> {
    this.calls.push({ method: 'cancelEvidence', args: [] });
    this.evidenceCancelled = true;
    this.releaseEvidence();
    return Promise.resolve();
  }

  acceptEvidence(id: string, picks: number[], now?: string | null): Promise<number> {
    return this.step('acceptEvidence', [id, picks, now ?? null], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      const scan = c.pending;
      if (!scan) throw err('not_found', 'no evidence was read for this case');
      const bad = picks.find((i) => i < 0 || i >= scan.candidates.length);
      if (bad !== undefined) throw err('bad_argument', `no candidate ${bad}`);
      let added = 0;
      scan.candidates.forEach((cand, i) => {
        if (!(cand.direct || picks.includes(i)) || cand.already_in_case) return;
        if (c.imported.some((o) => sameObservation(o, cand.observation))) return;
        c.imported.push(structuredClone(cand.observation));
        c.raw.observation.push(rawObservation(cand.observation));
        c.revision += 1;
        added++;
      });
      if (added) c.updated_at = this.now;
      c.pending = null;
      return added;
    });
  }

  onEvidenceProgress(handler: (progress: EvidenceProgress) => void): Promise<Unlisten> {
    this.evidenceListeners.add(handler);
    return Promise.resolve(() => {
      this.evidenceListeners.delete(handler);
    });
  }

  private form(source: string): SourceSettings {
    const form = SOURCE_FORMS.find((f) => f.id === source);
    if (!form)
      throw err(
        'bad_argument',
        `unknown source ${JSON.stringify(source)}; expected one of ${SOURCE_FORMS.map((f) => f.id).join(', ')}`,
      );
    return form;
  }

  private keychainError(): BoundaryError | null {
    const p = this.keychainProblem;
    return p ? err('credentials', p.en, { text: structuredClone(p) }) : null;
  }

  /** The settings view of a source, like `settings::view`: env values win; no secret leaves. */
  private view(source: string): SourceSettings {
    const form = structuredClone(this.form(source));
    const env = this.env.get(source) ?? {};
    const kept = this.keychainProblem ? {} : (this.keychain.get(source) ?? {});
    const values: Record<string, string> = { ...kept, ...env };
    const fromKeychain = Object.keys(kept).length > 0;
    const fromEnv = Object.keys(env).length > 0;
    form.fields = form.fields.map((f) => ({
      ...f,
      value: f.secret ? null : (values[f.key] ?? null),
      has_value: f.key in values,
      from_env: f.key in env,
    }));
    const missing = form.fields.filter((f) => f.required && !f.default && !f.has_value);
    form.ready = Object.keys(values).length > 0 && missing.length === 0;
    form.origin = fromKeychain ? (fromEnv ? 'both' : 'keychain') : fromEnv ? 'environment' : null;
    form.problem = this.keychainProblem ? structuredClone(this.keychainProblem) : null;
    form.notice = null;
    return form;
  }

  /** What "my details" hold (the case file's row). */
  details: MyDetails = { name: null, phone: null, email: null, address: null, accounts: {} };

  myDetails(): Promise<MyDetails> {
    return this.step('myDetails', [], () => structuredClone(this.details));
  }

  saveMyDetails(details: MyDetails): Promise<MyDetails> {
    return this.step('saveMyDetails', [structuredClone(details)], () => {
      // like MyDetails::validated: trimmed, blank is none, every wrong field named
      const clean = (v: string | null | undefined) => (v ?? '').trim() || null;
      const out: MyDetails = {
        name: clean(details.name),
        phone: clean(details.phone),
        email: clean(details.email),
        address: clean(details.address),
        accounts: {},
      };
      for (const [k, v] of Object.entries(details.accounts)) {
        const a = clean(v);
        if (a) out.accounts[k] = a;
      }
      const fields: FieldError[] = [];
      const digits = (out.phone ?? '').replace(/\D/g, '').length;
      if (out.phone && (!/^[0-9 +\-()]+$/.test(out.phone) || digits < 5 || digits > 20))
        fields.push({ field: 'phone', given: out.phone, expected: 'a phone number: 5 to 20 digits, with + - ( ) or spaces' });
      if (out.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(out.email))
        fields.push({ field: 'email', given: out.email, expected: 'an e-mail address such as name@example.com' });
      if (fields.length > 0) throw err('invalid_case', `my details have ${fields.length} problem(s)`, { fields });
      this.details = out;
      return structuredClone(out);
    });
  }

  listSources(): Promise<SourceSettings[]> {
    return this.step('listSources', [], () => SOURCE_FORMS.map((f) => this.view(f.id)));
  }

  saveCredentials(source: string, values: Record<string, string>): Promise<SourceSettings> {
    return this.step('saveCredentials', [source, structuredClone(values)], () => {
      const form = this.form(source);
      for (const k of Object.keys(values)) {
        if (!form.fields.some((f) => f.key === k)) throw err('bad_argument', `${source} has no field ${JSON.stringify(k)}`);
      }
      const problem = this.keychainError();
      if (problem) throw problem;
      // like creds::merge: a value given wins; an empty secret keeps the saved one; an empty plain field is cleared
      const kept = this.keychain.get(source) ?? {};
      // …and a saved secret is not kept for an address moved to another origin
      const origin = (v: string | undefined) => {
        try {
          return v ? new URL(v).origin : null;
        } catch {
          return null;
        }
      };
      const moved = form.fields.some((f) => {
        if (f.secret || !(f.key in values)) return false;
        const before = origin(kept[f.key] || (f.default ?? undefined));
        const after = origin(values[f.key] || (f.default ?? undefined));
        return before !== after;
      });
      const merged: Record<string, string> = {};
      const forgotten: Bilingual[] = [];
      for (const f of form.fields) {
        const v = values[f.key] ?? '';
        if (v !== '') merged[f.key] = v;
        else if (f.secret && f.key in kept && moved) forgotten.push(f.label);
        else if (f.secret && f.key in kept) merged[f.key] = kept[f.key];
      }
      this.keychain.set(source, merged);
      const out = this.view(source);
      if (forgotten.length > 0) {
        out.notice = {
          "zh-CN": `地址换了主机，保存的${forgotten.map((l) => l["zh-CN"]).join('、')}不会发给新地址，已清除；请重新填写`,
          en: `the address moved to another host, so the saved ${forgotten.map((l) => l.en).join(', ')} was not kept for it; enter it again`,
        };
      }
      return out;
    });
  }

  deleteCredentials(source: string): Promise<SourceSettings> {
    return this.step('deleteCredentials', [source], () => {
      this.form(source);
      const problem = this.keychainError();
      if (problem) throw problem;
      this.keychain.delete(source);
      return this.view(source);
    });
  }

  /** Lets a held `testConnection` go on. */
  releaseConnection() {
    const r = this.connectionReleased;
    this.connectionReleased = null;
    r?.();
  }

  testConnection(source: string): Promise<Bilingual> {
    return this.step('testConnection', [source], async () => {
      const form = this.form(source);
      if (this.holdConnection) await new Promise<void>((r) => (this.connectionReleased = r));
      const problem = this.keychainError();
      if (problem) throw problem;
      const values = { ...(this.keychain.get(source) ?? {}), ...(this.env.get(source) ?? {}) };
      const missing = form.fields.filter((f) => f.required && !f.default && !values[f.key]).map((f) => f.key);
      if (missing.length)
        throw err('credentials', `not set up: missing ${missing.join(', ')}`, {
          text: { 'zh-CN': `尚未设置：缺少 ${missing.join('、')}`, en: `not set up: missing ${missing.join(', ')}` },
          raw: null,
        });
      return connected(source, values, form);
    });
  }

  batchPreview(path: string): Promise<BatchPreview> {
    return this.step('batchPreview', [path], () => {
      if (/bad/i.test(path)) throw structuredClone(BATCH.missingColumns);
      return structuredClone(BATCH.preview);
    });
  }

  /** Lets a held `batchRun` go on. */
  releaseBatch() {
    const r = this.batchReleased;
    this.batchReleased = null;
    r?.();
  }

  async batchRun(path: string, report: string, options: BatchOptions): Promise<BatchRun> {
    this.calls.push({ method: 'batchRun', args: [path, report, { ...options }] });
    this.batchCancelled = false;
    const pause = async () => {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      else await Promise.resolve();
    };
    await pause();
    const f = this.failures.get('batchRun');
    if (f) {
      this.failures.delete('batchRun');
      throw f;
    }
    if (options.concurrency < 1 || options.concurrency > 256)
      throw err('bad_argument', `concurrency ${options.concurrency}: expected 1 to 256`);
    if (/bad/i.test(path)) throw structuredClone(BATCH.missingColumns);
    const existing = this.batchReports.get(report);
    if (existing && !options.resume) {
      const e = structuredClone(BATCH.exists);
      const old = BATCH.run.report;
      e.message = e.message.replaceAll(old, report);
      const d = e.details as { text: Bilingual; path?: string };
      d.text = { 'zh-CN': d.text['zh-CN'].replaceAll(old, report), en: d.text.en.replaceAll(old, report) };
      d.path = report;
      throw e;
    }
    const all = BATCH.run.rows;
    const written = existing ?? [];
    this.batchReports.set(report, written);
    const resumed = written.length;
    const doneRows = new Set(written.map((r) => r.row));
    const todo = all.filter((r) => !doneRows.has(r.row));
    const counts = (rows: BatchRow[]) => summarize(rows, all.length).counts;
    const emit = (last: BatchRow | null) => {
      const p: BatchProgress = { done: written.length, total: all.length, resumed, counts: counts(written), last };
      for (const l of this.batchListeners) l(structuredClone(p));
    };
    emit(null);
    let fresh = 0;
    for (const r of todo) {
      if (this.holdBatchAt === fresh) await new Promise<void>((res) => (this.batchReleased = res));
      if (this.batchCancelled) break;
      await pause();
      written.push(structuredClone(r));
      fresh++;
      emit(r);
    }
    const rows = [...written].sort((a, b) => a.row - b.row);
    const cancelled = rows.length < all.length;
    // A whole report is the recorded run's (the command test checks that a
    // resumed run says what the whole run said); a run cut short is tallied.
    const summary = cancelled ? summarize(rows, all.length) : structuredClone(BATCH.run.summary);
    summary.resumed = resumed;
    summary.cancelled = cancelled;
    if (!cancelled) this.batchReports.set(report, rows);
    return { summary, rows: structuredClone(rows), rows_in_report: rows.length, report };
  }

  batchCancel(): Promise<void> {
    this.calls.push({ method: 'batchCancel', args: [] });
    this.batchCancelled = true;
    this.releaseBatch();
    return Promise.resolve();
  }

  batchSaveReport(from: string, to: string): Promise<void> {
    return this.step('batchSaveReport', [from, to], () => {
      const rows = this.batchReports.get(from);
      if (!rows) throw err('not_found', `cannot read or write ${from}: No such file or directory (os error 2)`);
      this.savedReports.set(to, structuredClone(rows));
    });
  }

  onBatchProgress(handler: (progress: BatchProgress) => void): Promise<Unlisten> {
    this.batchListeners.add(handler);
    return Promise.resolve(() => {
      this.batchListeners.delete(handler);
    });
  }

  chooseOrdersFile(filterName: string): Promise<string | null> {
    return this.step('chooseOrdersFile', [filterName], () => this.ordersPath);
  }

  revealPath(path: string): Promise<void> {
    return this.step('revealPath', [path], () => {
      this.revealed.push(path);
    });
  }

  chooseEvidenceFiles(filterName: string): Promise<string[]> {
    return this.step('chooseEvidenceFiles', [filterName], () =>
      this.evidencePaths ?? (this.evidencePath ? [this.evidencePath] : []),
    );
  }

  chooseScreenshots(filterName: string): Promise<string[]> {
    return this.step('chooseScreenshots', [filterName], () => [...this.screenshotPaths]);
  }

  /**
   * The recorded draft of two screenshots, for any images (named as given);
   * a path that is no image gets the recorded answer to a PDF.
   */
  async draftCase(paths: string[]): Promise<Draft> {
    this.calls.push({ method: 'draftCase', args: [paths] });
    this.evidenceCancelled = false;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const f = this.failures.get('draftCase');
    if (f) {
      this.failures.delete('draftCase');
      throw f;
    }
    if (paths.length === 0) throw err('bad_argument', 'a case is drafted from 1 to 8 screenshots');
    const bad = paths.find((p) => !/\.(png|jpe?g|webp)$/i.test(p));
    if (bad) throw structuredClone(EVIDENCE_ERRORS.file);
    for (let i = 1; i <= 4; i++) {
      this.emitEvidence({ done: i * 25, total: 100 });
      if (i === 1 && this.holdEvidence) await new Promise<void>((r) => (this.evidenceReleased = r));
      if (this.evidenceCancelled) {
        throw err('cancelled', 'Reading was cancelled.', { text: { 'zh-CN': '已取消读取。', en: 'Reading was cancelled.' } });
      }
    }
    const d = structuredClone(DRAFT);
    if (paths.length === d.shots.length) {
      paths.forEach((p, i) => (d.shots[i].name = p.split('/').pop() ?? p));
    }
    return d;
  }

  keepAttachments(id: string, paths: string[]): Promise<string[]> {
    return this.step('keepAttachments', [id, paths], () => {
      const c = this.cases.get(id);
      if (!c) throw err('not_found', `no case ${id}`);
      const names = [...new Set(paths.map((p) => p.split('/').pop() ?? p))];
      c.kept = [...new Set([...(c.kept ?? []), ...names])].sort();
      return names;
    });
  }

  onFileDrop(handler: (drop: FileDrop) => void): Promise<Unlisten> {
    this.dropListeners.add(handler);
    return Promise.resolve(() => {
      this.dropListeners.delete(handler);
    });
  }

  /** What the window reports while files are dragged over it and dropped. */
  dragFiles(event: FileDrop) {
    for (const l of this.dropListeners) l(structuredClone(event));
  }

  showWindow(): Promise<void> {
    this.windowShown = true;
    return Promise.resolve();
  }

  copyText(text: string): Promise<void> {
    return this.step('copyText', [text], () => {
      this.copied.push(text);
    });
  }

  chooseSavePath(defaultName: string, filters: SaveFilter[]): Promise<string | null> {
    return this.step('chooseSavePath', [defaultName, filters], () => this.savePath);
  }

  openMail(mail: MailRequest): Promise<void> {
    return this.step('openMail', [mail], () => {
      this.openedMails.push(mail);
    });
  }
}
