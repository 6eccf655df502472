import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/svelte';
import { input, renderApp } from './helpers';
import { emptyForm, moveOrderToPayment, movePaymentToOrder } from '$lib/form';

describe('ID recognition as typed', () => {
  it('names the issuer, the creation date and how sure it is — never as certain', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('payment-id-0'), '2026112122001412341408157613');
    const box = await screen.findByTestId('payment-recognition-0', {}, { timeout: 2000 });
    expect(box, 'the issuer in words').toHaveTextContent('Alipay trade number (trade_no)');
    expect(box, 'the date the ID carries').toHaveTextContent('created 2026-11-21');
    expect(box, 'the confidence in words').toHaveTextContent('Likely');
    expect(box, 'well-formed').toHaveTextContent('Well-formed');
    expect(box.textContent ?? '', 'never "certain"').not.toMatch(/certain|definitely|确定/i);
    const asked = fake.callsTo('recogniseId').map((c) => c.args[0]);
    expect(asked.length, 'typing is debounced: far fewer lookups than keystrokes').toBeLessThan(5);
    expect(asked.at(-1), 'the last lookup is the full ID').toBe('2026112122001412341408157613');
  });

  it('shows confidence in Chinese words in the Chinese UI', async () => {
    const { user } = await renderApp({ locale: 'zh_CN.UTF-8' });
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('payment-id-0'), '4200002345202611214567890123');
    const box = await screen.findByTestId('payment-recognition-0', {}, { timeout: 2000 });
    expect(box, 'the Chinese issuer name').toHaveTextContent('微信支付');
    expect(box, '很可能, not a bare score').toHaveTextContent('很可能');
    expect(box).toHaveTextContent('创建于 2026-11-21');
  });

  it('says when a reading is doubtful and why', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('payment-id-0'), '2027010122001412345678901234');
    const box = await screen.findByTestId('payment-recognition-0', {}, { timeout: 2000 });
    expect(box, 'low confidence is said').toHaveTextContent('Unlikely');
    expect(box, 'with the reason from the backend').toHaveTextContent('in the future');
  });

  it('lists close alternatives when two issuers fit', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('payment-id-0'), '2026112110305512345');
    const box = await screen.findByTestId('payment-recognition-0', {}, { timeout: 2000 });
    expect(box, 'the top reading is only "possibly"').toHaveTextContent('Possibly');
    expect(within(box).getByText(/Could also be/), 'the other reading is offered').toBeInTheDocument();
  });

  it('is gentle about order numbers no known shape fits', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('order-id'), '7439201234567890123');
    const box = await screen.findByTestId('order-id-recognition', {}, { timeout: 2000 });
    expect(box, 'explains that this is normal for order numbers').toHaveTextContent('normal for many platforms');
  });

  it('catches a payment number typed as the order number and moves it', async () => {
    const { user } = await renderApp({ locale: 'zh_CN.UTF-8' });
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('order-id'), '2026112122001412341408157613');
    const warning = await screen.findByTestId('order-id-recognition-misplaced', {}, { timeout: 2000 });
    expect(warning, 'names what it is').toHaveTextContent('支付宝交易号');
    expect(warning, 'and that it is not the order number').toHaveTextContent('不是平台的订单号');
    await user.click(screen.getByTestId('order-id-recognition-move'));
    expect(input('order-id'), 'the order field is emptied').toHaveValue('');
    expect(input('payment-id-0'), 'the number is now a payment number').toHaveValue('2026112122001412341408157613');
    expect(input('payment-id-0'), 'where the cursor goes next').toHaveFocus();
    const box = await screen.findByTestId('payment-recognition-0', {}, { timeout: 2000 });
    expect(within(box).queryByTestId('payment-recognition-0-misplaced'), 'in its place it is not flagged').toBeNull();
  });

  it('does not flag an order number that merely could be a payment number', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('order-id'), '2026112110305512345');
    const box = await screen.findByTestId('order-id-recognition', {}, { timeout: 2000 });
    expect(box).toHaveTextContent('Possibly');
    expect(screen.queryByTestId('order-id-recognition-misplaced'), 'only a likely reading is flagged').toBeNull();
  });
});

describe('moving numbers between the fields', () => {
  it('puts a moved payment number in the first empty row, else a new one', () => {
    const form = emptyForm();
    form.orderId = ' 2026112122001412341408157613 ';
    form.payments[0].id = '4200002345202611214567890123';
    expect(moveOrderToPayment(form)).toBe(1);
    expect(form.payments.map((p) => p.id)).toEqual(['4200002345202611214567890123', '2026112122001412341408157613']);
    expect(form.orderId).toBe('');
  });

  it('swaps an order number typed as a payment with what the order field held', () => {
    const form = emptyForm();
    form.orderId = '2026112122001412341408157613';
    form.payments[0].id = 'K7M2Q9XW4T8B1N5D';
    movePaymentToOrder(form, 0);
    expect(form.orderId).toBe('K7M2Q9XW4T8B1N5D');
    expect(form.payments[0].id).toBe('2026112122001412341408157613');
  });
});
