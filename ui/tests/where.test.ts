import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/svelte';
import { i18n } from '$lib/i18n.svelte';
import { renderApp } from './helpers';

describe('where each number is', () => {
  it("shows Alipay's bill details with 订单号 as the payment number and 商家订单号 as the order number", async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    const where = screen.getByTestId('where-numbers');
    await user.click(within(where).getByText('Where do I find these numbers?'));
    const guide = screen.getByTestId('where-guide');
    expect(guide.dataset.guide, 'the payment app most people use first').toBe('alipay');
    expect(screen.getByTestId('where-path')).toHaveTextContent('账单 (Bills)');
    expect(within(guide).getByTestId('where-row-payment')).toHaveTextContent('订单号');
    expect(within(guide).getByTestId('where-row-payment')).toHaveTextContent('→ Payment numbers');
    expect(within(guide).getByTestId('where-row-order')).toHaveTextContent('商家订单号');
    expect(within(guide).getByTestId('where-row-order')).toHaveTextContent('→ Order number');
  });

  it('has a picture per app, in Chinese too', async () => {
    const { user } = await renderApp({ locale: 'zh_CN.UTF-8' });
    await user.click(screen.getByTestId('new-check'));
    await user.click(within(screen.getByTestId('where-numbers')).getByText('这些单号在哪里找？'));
    await user.click(screen.getByTestId('where-tab-wechat'));
    const guide = screen.getByTestId('where-guide');
    expect(guide.dataset.guide).toBe('wechat');
    expect(within(guide).getByTestId('where-row-payment')).toHaveTextContent('交易单号');
    expect(within(guide).getByTestId('where-row-order')).toHaveTextContent('商户单号');
    expect(within(guide).getByTestId('where-row-order')).toHaveTextContent('填到订单号');
    await user.click(screen.getByTestId('where-tab-douyin'));
    expect(screen.getByTestId('where-path')).toHaveTextContent('我 → ☰ → 订单');
    expect(within(screen.getByTestId('where-guide')).queryByTestId('where-row-payment'), 'no payment number on the order page').toBeNull();
    expect(screen.getByTestId('where-guide')).toHaveTextContent('不显示支付单号');
    i18n.reset('en');
  });
});
