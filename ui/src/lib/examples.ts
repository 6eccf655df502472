// The three bundled examples (src-tauri/../examples/*.toml) as intake, and
// the moment each one is documented at, so "Try an example" shows the same
// result as `daozhang check examples/… --now …`.

import type { RawCase } from '$lib/bindings/RawCase';
import type { RawObservation } from '$lib/bindings/RawObservation';

export type ExampleId = 'douyin' | 'live' | 'cardshop';

export interface Example {
  id: ExampleId;
  /** The moment the example is checked at (the example file's `--now`). */
  now: string;
  raw: RawCase;
}

function obs(o: Partial<RawObservation>): RawObservation {
  return {
    at: null,
    source: null,
    status: null,
    means: null,
    via: null,
    amount: null,
    payment: null,
    note: null,
    ...o,
  };
}

function raw(r: Partial<RawCase>): RawCase {
  return {
    platform: null,
    platform_name: null,
    order_id: null,
    amount: null,
    currency: null,
    method: null,
    card_last4: null,
    submitted_at: null,
    timezone: null,
    item: null,
    merchant: null,
    complainant: null,
    payment: [],
    observation: [],
    attachment: [],
    contact: [],
    ...r,
  };
}

const NO_ONE = { name: null, phone: null, email: null, address: null, account: null };

/** examples/douyin-dou-plus-alipay.toml */
export const DOUYIN: Example = {
  id: 'douyin',
  now: '2026-11-21 16:30',
  raw: raw({
    platform: 'douyin_dou_plus',
    order_id: '7439201234567890123',
    amount: '200.00',
    currency: 'CNY',
    method: 'alipay',
    submitted_at: '2026-11-21 15:14',
    item: 'DOU+ 上热门推广（200 元档）',
    merchant: '北京微播视界科技有限公司',
    complainant: { ...NO_ONE, account: '抖音号 creator_2026' },
    payment: [{ id: '2026112122001412341408157613', provider: 'alipay' }],
    observation: [
      obs({ at: '15:15', source: 'platform', status: '支付失败', note: 'DOU+ 订单详情页' }),
      obs({
        at: '2026-11-21 15:15:12',
        source: 'alipay',
        via: 'bill_export',
        status: '交易成功',
        amount: '200.00',
        payment: '2026112122001412341408157613',
      }),
      obs({
        at: '15:15',
        source: 'bank',
        via: 'sms',
        status:
          '您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元，余额1,234.56元。【工商银行】',
        amount: '200.00',
      }),
    ],
    attachment: [{ kind: 'platform_screenshot', file: 'dou-plus-order.png', note: null }],
  }),
};

/** examples/live-stream-wechat.toml */
export const LIVE: Example = {
  id: 'live',
  now: '2026-11-21 20:40',
  raw: raw({
    platform: 'live_stream_topup',
    platform_name: '星光直播',
    order_id: 'LS20261121200512345',
    amount: '68.00',
    method: 'wechat_pay',
    submitted_at: '2026-11-21 20:05',
    item: '680 钻石',
    complainant: { ...NO_ONE, account: '星光直播 ID 10086421' },
    payment: [{ id: '4200002345202611214567890123', provider: null }],
    observation: [
      obs({
        at: '20:05:30',
        source: 'wechat_pay',
        status: '支付成功',
        amount: '68.00',
        payment: '4200002345202611214567890123',
      }),
      obs({ at: '20:36', source: 'platform', status: '处理中', note: '钻石余额没有变化' }),
    ],
    contact: [
      {
        at: '2026-11-21 20:38',
        with: '星光直播在线客服',
        note: '提供了订单号',
        answer: '请耐心等待，24 小时内到账',
      },
    ],
  }),
};

/** examples/card-shop-epay.toml */
export const CARDSHOP: Example = {
  id: 'cardshop',
  now: '2026-11-21 12:00',
  raw: raw({
    platform: 'card_shop',
    platform_name: '某某发卡网',
    order_id: 'K7M2Q9XW4T8B1N5D',
    amount: '50.00',
    method: 'alipay',
    submitted_at: '2026-11-21 10:30',
    item: '游戏点卡 50 元',
    complainant: { ...NO_ONE, email: 'buyer@example.com' },
    payment: [
      { id: '2026112110305512345', provider: 'epay' },
      { id: '2026112122001467891234560789', provider: 'alipay' },
    ],
    observation: [
      obs({
        at: '10:31',
        source: 'alipay',
        status: '交易成功',
        amount: '50.00',
        payment: '2026112122001467891234560789',
      }),
      obs({ at: '10:45', source: 'platform', status: '待确认' }),
    ],
  }),
};

export const EXAMPLES: Example[] = [DOUYIN, LIVE, CARDSHOP];
