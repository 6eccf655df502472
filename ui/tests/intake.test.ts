import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { EXPECTED } from '$lib/fake-backend';
import { exampleResult, input, renderApp } from './helpers';

describe('intake', () => {
  it('shows the backend reason next to the amount field when the amount is bad', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('order-id'), '7439201234567890123');
    await user.type(input('amount'), 'two hundred');
    await user.selectOptions(screen.getByTestId('method'), 'alipay');
    await user.type(input('submitted-at'), '2026-11-21 15:14');
    await user.click(screen.getByTestId('run-check'));

    const err = await screen.findByTestId('error-amount');
    expect(err, 'the error carries the backend expected text').toHaveTextContent(EXPECTED.amount);
    expect(err, 'and says which field is wrong').toHaveTextContent("Amount can't be read.");
    expect(input('amount'), 'the amount input is marked invalid').toHaveAttribute('aria-invalid', 'true');
    expect(input('amount'), 'and points at its error').toHaveAttribute('aria-describedby', 'error-amount');
    expect(screen.queryByTestId('error-order_id'), 'a good field is not marked').toBeNull();
    expect(fake.callsTo('saveCase'), 'an invalid case is never stored').toHaveLength(0);
    expect(screen.getByTestId('run-check'), 'we stay on the form').toBeInTheDocument();
    expect(document.body.textContent, 'no error code on screen').not.toContain('invalid_case');
  });

  it('names every missing required field after submit', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.click(screen.getByTestId('run-check'));
    for (const f of ['order_id', 'amount', 'method', 'submitted_at']) {
      expect(await screen.findByTestId(`error-${f}`), `${f} is required and marked`).toBeInTheDocument();
    }
    expect(screen.getByTestId('error-amount'), 'a missing field says it is needed').toHaveTextContent('Amount is needed.');
  });

  it('marks a field when it is left with a bad value, and clears the mark once it is edited', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('amount'), '1.234');
    await user.tab();
    expect(await screen.findByTestId('error-amount'), 'blur validates the field just left').toHaveTextContent(
      'decimal places',
    );
    expect(screen.queryByTestId('error-order_id'), 'untouched fields are not marked on blur').toBeNull();
    await user.type(input('amount'), '{Backspace}');
    await waitFor(() => expect(screen.queryByTestId('error-amount'), 'editing clears the mark').toBeNull());
  });

  it('maps observation errors to their row with the backend field name', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('obs-status-0'), '支付失败');
    await user.type(input('obs-at-0'), 'yesterday-ish');
    await user.click(screen.getByTestId('run-check'));
    const err = await screen.findByTestId('error-observation[0].at');
    expect(err, 'the time of row 0 is named with the reason').toHaveTextContent(EXPECTED.time);
    expect(input('obs-at-0')).toHaveAttribute('aria-invalid', 'true');
  });

  it('fills the status from the quick choices of the row source', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.click(screen.getByRole('button', { name: '处理中' }));
    expect(input('obs-status-0'), 'a platform quick word fills row 0').toHaveValue('处理中');
    await user.selectOptions(screen.getByTestId('obs-source-1'), 'bank');
    const row1 = screen.getByTestId('obs-status-1').closest('li') as HTMLElement;
    expect(row1, 'the bank row offers 已扣款').toHaveTextContent('已扣款');
    expect(row1, 'and not the platform words').not.toHaveTextContent('处理中');
  });

  it('adds and removes payment and observation rows', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.click(screen.getByTestId('add-payment'));
    expect(screen.getByTestId('payment-id-1'), 'a second payment row appears').toHaveFocus();
    await user.click(screen.getByTestId('add-observation'));
    expect(screen.getByTestId('obs-source-2'), 'a third observation row appears').toBeInTheDocument();
    expect(screen.getByTestId('obs-source-2'), 'with a source not used yet').toHaveValue('wechat_pay');
    await user.click(screen.getByTestId('obs-remove-2'));
    expect(screen.queryByTestId('obs-source-2'), 'the row is gone').toBeNull();
  });

  it('keeps every value going back and forth between the form, the check and the result', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'live');
    await user.click(screen.getByTestId('edit-case'));
    expect(input('order-id'), 'the order ID survives the round trip').toHaveValue('LS20261121200512345');
    expect(input('platform-name')).toHaveValue('星光直播');
    expect(input('amount')).toHaveValue('68.00');
    expect(screen.getByTestId('method')).toHaveValue('wechat_pay');
    expect(input('submitted-at')).toHaveValue('2026-11-21 20:05');
    expect(input('obs-status-1')).toHaveValue('处理中');
    expect(input('obs-at-0')).toHaveValue('20:05:30');

    await user.clear(input('amount'));
    await user.type(input('amount'), '86.00');
    await user.click(screen.getByTestId('run-check'));
    await screen.findByTestId('result');
    const saves = fake.callsTo('saveCase');
    expect(saves, 'saved twice').toHaveLength(2);
    expect(saves[1].args[1], 'the second save updates the stored case').toBe(saves[0].args[1] ?? [...fake.cases.keys()][0]);
    const stored = [...fake.cases.values()];
    expect(stored, 'one case, updated in place').toHaveLength(1);
    expect(stored[0].raw.amount).toBe('86.00');
    expect(stored[0].raw.contact, 'fields the form does not show are kept').toHaveLength(1);
    expect(stored[0].raw.observation[1].note, 'an observation note is kept').toBe('钻石余额没有变化');

    await user.click(screen.getByTestId('edit-case'));
    expect(input('amount'), 'the new amount is in the form').toHaveValue('86.00');
  });

  it('shows a failure of the case file as a sentence, never as a code', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('try-example-douyin'));
    fake.failures.set('saveCase', { code: 'store', message: 'database is locked', details: null });
    await user.click(screen.getByTestId('run-check'));
    expect(await screen.findByText(/could not be read or written/), 'a translated sentence').toBeInTheDocument();
    expect(document.body.textContent, 'no technical message').not.toContain('database is locked');
    expect(input('order-id'), 'the form is intact').toHaveValue('7439201234567890123');
  });

  it('keeps the platform name input for a custom platform', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.selectOptions(await screen.findByTestId('platform-select'), 'other');
    expect(screen.getByLabelText('Platform name'), 'other asks for the name').toBe(input('platform-name'));
    await fireEvent.input(input('platform-name'), { target: { value: '某游戏商城' } });
    expect(input('platform-name')).toHaveValue('某游戏商城');
  });
});
