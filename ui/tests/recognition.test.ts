import { describe, expect, it } from 'vitest';
import { screen, within } from '@testing-library/svelte';
import { input, renderApp } from './helpers';

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
});
