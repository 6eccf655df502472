import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import { input, renderApp } from './helpers';

describe('the check screen', () => {
  it('lists each source with its status as the check runs, then shows the result', async () => {
    const { user, fake } = await renderApp();
    fake.holdAt = 1;
    await user.click(screen.getByTestId('try-example-douyin'));
    await user.click(screen.getByTestId('run-check'));

    const manual = await screen.findByTestId('source-manual');
    await waitFor(() => expect(manual, 'your own statements are read first').toHaveAttribute('data-status', 'done'));
    expect(manual, 'with what was found').toHaveTextContent('1 status');
    expect(screen.getByTestId('source-evidence'), 'the next source waits').toHaveAttribute('data-status', 'waiting');
    expect(screen.getByTestId('source-api:alipay'), 'the live query waits too').toHaveAttribute('data-status', 'waiting');
    expect(screen.queryByTestId('result'), 'no result before the check ends').toBeNull();

    fake.release();
    await screen.findByTestId('result');
    expect(fake.callsTo('runCheck')[0].args[1], 'an example is checked at its documented moment').toBe(
      '2026-11-21 16:30',
    );
  });

  it('shows why a source was skipped', async () => {
    const { user, fake } = await renderApp();
    fake.holdAt = 3;
    await user.click(screen.getByTestId('try-example-live'));
    await user.click(screen.getByTestId('run-check'));
    const api = await screen.findByTestId('source-api:wechat_pay');
    await waitFor(() => expect(api, 'no credentials: skipped').toHaveAttribute('data-status', 'skipped'));
    expect(api, 'with the reason').toHaveTextContent('no merchant credentials set');
    expect(api, 'and the status in words').toHaveTextContent('Skipped');
    expect(screen.getByTestId('source-evidence'), 'nothing imported: skipped').toHaveAttribute('data-status', 'skipped');
    expect(screen.getByTestId('source-evidence')).toHaveTextContent('no bill or SMS imported yet');
    fake.release();
    await screen.findByTestId('result');
  });

  it('cancels: back to the form with nothing lost', async () => {
    const { user, fake } = await renderApp();
    fake.holdAt = 1;
    await user.click(screen.getByTestId('try-example-cardshop'));
    await user.clear(input('item'));
    await user.type(input('item'), '点卡 50');
    await user.click(screen.getByTestId('run-check'));
    await screen.findByTestId('source-manual');
    await user.click(screen.getByTestId('cancel-check'));

    expect(await screen.findByTestId('run-check'), 'back on the form').toBeInTheDocument();
    expect(fake.callsTo('cancelCheck'), 'the backend was told').toHaveLength(1);
    expect(input('order-id'), 'the order ID is still there').toHaveValue('K7M2Q9XW4T8B1N5D');
    expect(input('item'), 'and the edit made before checking').toHaveValue('点卡 50');
    expect(input('payment-id-1')).toHaveValue('2026112122001467891234560789');
    expect(screen.queryByTestId('result'), 'no result').toBeNull();
    expect(document.body.textContent, 'the cancel is not an error').not.toMatch(/cancelled|went wrong/i);
  });

  it('shows a failed check as a sentence with a way back', async () => {
    const { user, fake } = await renderApp();
    fake.failures.set('runCheck', { code: 'store', message: 'disk I/O error', details: null });
    await user.click(screen.getByTestId('try-example-douyin'));
    await user.click(screen.getByTestId('run-check'));
    expect(await screen.findByRole('alert'), 'a translated sentence').toHaveTextContent('could not be read or written');
    expect(document.body.textContent).not.toContain('disk I/O error');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('result'), 'trying again works').toBeInTheDocument();
  });
});
