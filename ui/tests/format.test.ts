import { describe, expect, it } from 'vitest';
import { countdown, dayDiff, duration, money, showDue, showTime } from '$lib/format';
import { i18n, langFromLocale, pick, t } from '$lib/i18n.svelte';
import { timeForForm } from '$lib/form';

describe('format', () => {
  it('shows times in the case zone as given, seconds only when set', () => {
    expect(showTime('2026-11-21T15:14:00+08:00')).toBe('2026-11-21 15:14');
    expect(showTime('2026-11-21T15:15:12+08:00')).toBe('2026-11-21 15:15:12');
    expect(showDue('2026-11-25T23:59:59+08:00'), 'an end-of-day due date is the day').toBe('2026-11-25');
    expect(showDue('2026-11-22T16:15:00+08:00')).toBe('2026-11-22 16:15');
  });

  it('counts calendar days in the due date offset', () => {
    const now = '2026-11-21T16:30:00+08:00';
    expect(dayDiff('2026-11-25T23:59:59+08:00', now)).toBe(4);
    expect(dayDiff('2026-11-22T00:10:00+08:00', '2026-11-21T23:50:00+08:00'), 'past midnight is tomorrow').toBe(1);
    expect(countdown('2026-11-24T23:59:59+08:00', now)).toBe('In 3 days');
    expect(countdown('2026-11-21T16:30:00+08:00', now), 'due at the moment of the check').toBe('Now');
    expect(countdown('2026-11-21T20:30:00+08:00', now)).toBe('Today');
    expect(countdown('2029-11-21T23:59:59+08:00', now), 'years, not 1096 days').toBe('In about 3 years');
    expect(countdown('2027-04-28T23:59:59+08:00', now)).toBe('In about 5 months');
    expect(countdown('2026-11-19T10:00:00+08:00', now)).toBe('2 days ago');
    expect(countdown('2026-11-22T16:15:00+08:00', now)).toBe('Tomorrow');
    i18n.reset('zh-CN');
    expect(countdown('2026-11-24T23:59:59+08:00', now)).toBe('3 天后');
    expect(countdown('2026-11-19T10:00:00+08:00', now)).toBe('2 天前');
    expect(countdown('2026-11-21T18:00:00+08:00', now)).toBe('今天');
  });

  it('writes durations with at most two units', () => {
    expect(duration(72)).toBe('1 min 12 s');
    expect(duration(4500)).toBe('1 h 15 min');
    expect(duration(3 * 86400 + 4 * 3600 + 60)).toBe('3 d 4 h');
    expect(duration(0)).toBe('0 s');
    i18n.reset('zh-CN');
    expect(duration(4500)).toBe('1 小时 15 分钟');
  });

  it('shows amounts exactly as the backend gave them', () => {
    expect(money({ amount: '200.00', currency: 'CNY' })).toBe('¥200.00');
    expect(money({ amount: '0.10', currency: 'USD' }), 'never a float').toBe('$0.10');
    expect(money({ amount: '12', currency: 'SGD' })).toBe('12 SGD');
  });

  it('turns stored times back into what the form shows', () => {
    expect(timeForForm('2026-11-21T15:14:00+08:00', '+08:00')).toBe('2026-11-21 15:14');
    expect(timeForForm('2026-11-21T15:15:12+08:00', '+08:00')).toBe('2026-11-21 15:15:12');
    expect(timeForForm('2026-11-21T15:14:00+01:00', '+08:00'), 'another offset stays whole').toBe(
      '2026-11-21T15:14:00+01:00',
    );
    expect(timeForForm('15:15', '+08:00'), 'typed text stays').toBe('15:15');
  });
});

describe('i18n', () => {
  it('follows the OS locale', () => {
    expect(langFromLocale('zh_CN.UTF-8')).toBe('zh-CN');
    expect(langFromLocale('zh-TW')).toBe('zh-CN');
    expect(langFromLocale('en_US.UTF-8')).toBe('en');
    expect(langFromLocale('')).toBe('en');
    expect(langFromLocale('de_DE')).toBe('en');
  });

  it('fills placeholders and picks the backend text in the UI language', () => {
    expect(t('result.as_of', { time: '2026-11-21 16:30' })).toBe('As of 2026-11-21 16:30');
    const b = { 'zh-CN': '支付失败', en: 'payment failed' };
    expect(pick(b)).toBe('payment failed');
    i18n.reset('zh-CN');
    expect(pick(b)).toBe('支付失败');
    expect(t('result.as_of', { time: 'x' })).toBe('截至 x');
  });
});
