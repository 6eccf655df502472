import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { FakeBackend } from '$lib/fake-backend';
import { DOUYIN } from '$lib/examples';
import { input, renderApp } from './helpers';

describe('the start screen', () => {
  it('has a friendly empty state', async () => {
    await renderApp();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Check a failed top-up');
    expect(screen.getByTestId('recent-cases-empty'), 'a sentence, not an empty box').toHaveTextContent(
      'No cases yet',
    );
  });

  it('lists checked cases with a translated diagnosis and reopens them', async () => {
    const fake = new FakeBackend();
    const { id } = await fake.saveCase(DOUYIN.raw);
    await fake.runCheck(id, DOUYIN.now);
    const { user } = await renderApp({}, fake);

    const rows = within(screen.getByTestId('recent-cases')).getAllByTestId('case-row');
    expect(rows, 'one case').toHaveLength(1);
    const row = rows[0];
    expect(row, 'the order ID').toHaveTextContent('7439201234567890123');
    expect(row, 'the platform').toHaveTextContent('Douyin DOU+');
    expect(row, 'the amount').toHaveTextContent('¥200.00');
    expect(row, 'the diagnosis as a short label').toHaveTextContent('Payment notice late');
    expect(row, 'and the broken link').toHaveTextContent('Broken link: Payment notice');
    expect(row, 'the next deadline').toHaveTextContent('Next date 2026-11-21 16:30');
    expect(row.textContent, 'no codes').not.toMatch(/callback_late|callback\b/);

    row.focus();
    await user.keyboard('{Enter}');
    await screen.findByTestId('result');
    expect(fake.callsTo('openCase'), 'the case was opened').toHaveLength(1);
    expect(fake.callsTo('runCheck').at(-1)?.args[1], 'and checked again now').toBeNull();
    await user.click(screen.getByTestId('edit-case'));
    expect(input('order-id'), 'its form is restored').toHaveValue('7439201234567890123');
    expect(input('obs-at-0')).toHaveValue('15:15');
  });

  it('refreshes the list when going home after a check', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('try-example-cardshop'));
    await user.click(screen.getByTestId('run-check'));
    await screen.findByTestId('result');
    await user.click(screen.getByTestId('nav-home'));
    await waitFor(() =>
      expect(within(screen.getByTestId('recent-cases')).getByTestId('case-row')).toHaveTextContent(
        'K7M2Q9XW4T8B1N5D',
      ),
    );
  });

  it('fills the form from each example', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('try-example-douyin'));
    expect(input('order-id')).toHaveValue('7439201234567890123');
    expect(screen.getByTestId('platform-select')).toHaveValue('douyin_dou_plus');
    expect(input('obs-status-2').value, 'the bank SMS').toContain('工商银行');
    await user.click(screen.getByTestId('nav-home'));
    await user.click(await screen.findByTestId('try-example-live'));
    expect(input('order-id')).toHaveValue('LS20261121200512345');
    expect(input('payment-id-0')).toHaveValue('4200002345202611214567890123');
  });
});

describe('language', () => {
  it('follows the OS locale and switches from the header, remembering the choice', async () => {
    const { user, unmount } = await renderApp({ locale: 'zh_CN.UTF-8' });
    expect(screen.getByRole('heading', { level: 1 }), 'a Chinese OS gets Chinese').toHaveTextContent(
      '查一笔没到账的充值',
    );
    expect(document.documentElement.lang).toBe('zh-CN');
    await user.click(screen.getByTestId('lang-switch'));
    expect(screen.getByRole('heading', { level: 1 }), 'the switch changes it at once').toHaveTextContent(
      'Check a failed top-up',
    );
    expect(localStorage.getItem('daozhang.lang'), 'the choice is kept').toBe('en');
    unmount();

    await renderApp({ locale: 'zh_CN.UTF-8' });
    expect(screen.getByRole('heading', { level: 1 }), 'the kept choice beats the OS locale').toHaveTextContent(
      'Check a failed top-up',
    );
  });

  it('keeps the form while switching language', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('order-id'), 'ABC123');
    await user.click(screen.getByTestId('lang-switch'));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('填写这笔订单');
    expect(input('order-id'), 'nothing lost').toHaveValue('ABC123');
    expect(screen.getByTestId('method').querySelector('option[value="wechat_pay"]')).toHaveTextContent('微信支付');
  });

  it('never shows a translation key instead of words', async () => {
    const { user } = await renderApp({ locale: 'zh_CN' });
    await user.click(screen.getByTestId('try-example-douyin'));
    await user.click(screen.getByTestId('run-check'));
    await screen.findByTestId('result');
    // A file name (the case's dou-plus-order.png) is no key.
    const text = (document.body.textContent ?? '').replace(/[\w.-]+\.(png|jpe?g|webp|csv|xlsx|zip|txt|md|ics)\b/g, '');
    expect(text, 'no dotted keys like result.as_of').not.toMatch(/\b[a-z]+\.[a-z_]+(\.[a-z_]+)?\b(?![\w@])/);
    expect(text).not.toMatch(/undefined|\bnull\b|NaN|\[object/);
  });
});
