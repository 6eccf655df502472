// Where each number is, per app: the screens people open to copy the order
// and payment numbers, drawn as small pictures on the intake. The labels on
// a picture are the app's own words (the apps are in Chinese in both of
// the UI's languages); what they mean is said in the UI's language.

import type { Key } from '$lib/i18n.svelte';

/** Which intake field a row's number goes into. */
export type Goes = 'order' | 'payment';

export interface GuideRow {
  /** The label as the app shows it. */
  label: string;
  /** A made-up value of the right shape. */
  value: string;
  goes?: Goes;
}

export interface Guide {
  id: 'alipay' | 'wechat' | 'douyin' | 'card_shop';
  name: Key;
  /** How to get to the screen. */
  path: Key;
  /** The screen's title as the app shows it. */
  screen: string;
  /** The big line at the top (payee, amount or status). */
  head: string[];
  rows: GuideRow[];
  /** What to watch for. */
  note: Key;
}

export const GUIDES: Guide[] = [
  {
    id: 'alipay',
    name: 'where.alipay.name',
    path: 'where.alipay.path',
    screen: '账单详情',
    head: ['抖音', '-200.00', '交易成功'],
    rows: [
      { label: '支付时间', value: '2026-11-21 15:15:12' },
      { label: '付款方式', value: '余额宝' },
      { label: '商品说明', value: 'DOU+上热门推广' },
      { label: '订单号', value: '2026112122001412341408157613', goes: 'payment' },
      { label: '商家订单号', value: '7439201234567890123', goes: 'order' },
    ],
    note: 'where.alipay.note',
  },
  {
    id: 'wechat',
    name: 'where.wechat.name',
    path: 'where.wechat.path',
    screen: '账单详情',
    head: ['星光直播', '-68.00'],
    rows: [
      { label: '当前状态', value: '支付成功' },
      { label: '支付时间', value: '2026年11月21日 20:05:30' },
      { label: '商户全称', value: '杭州星光网络科技有限公司' },
      { label: '交易单号', value: '4200002345202611214567890123', goes: 'payment' },
      { label: '商户单号', value: 'LS20261121200512345', goes: 'order' },
    ],
    note: 'where.wechat.note',
  },
  {
    id: 'douyin',
    name: 'where.douyin.name',
    path: 'where.douyin.path',
    screen: '订单详情',
    head: ['支付失败'],
    rows: [
      { label: '订单编号', value: '7439201234567890123', goes: 'order' },
      { label: '下单时间', value: '2026-11-21 15:14:31' },
      { label: '实付款', value: '¥200.00' },
    ],
    note: 'where.douyin.note',
  },
  {
    id: 'card_shop',
    name: 'where.card_shop.name',
    path: 'where.card_shop.path',
    screen: '订单查询',
    head: ['待确认'],
    rows: [
      { label: '订单号', value: 'K7M2Q9XW4T8B1N5D', goes: 'order' },
      { label: '支付方式', value: '支付宝' },
      { label: '创建时间', value: '2026-11-21 11:02:40' },
    ],
    note: 'where.card_shop.note',
  },
];

export const GOES: Record<Goes, Key> = {
  order: 'where.goes.order',
  payment: 'where.goes.payment',
};
