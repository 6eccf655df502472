import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { FakeBackend, REPORTS } from '$lib/fake-backend';
import { LIVE } from '$lib/examples';
import type { Looked } from '$lib/bindings/Looked';
import { renderApp } from './helpers';

/** What the re-check loop reports after finding the live-stream order refunded. */
function refunded(id: string): Looked {
  const at = '2026-11-22T11:01:00+08:00';
  return {
    id,
    platform: REPORTS.live.case.platform,
    order_id: 'LS20261121200512345',
    amount: REPORTS.live.case.amount,
    at,
    code: 'refunded',
    settled: true,
    problem: null,
    changes: [
      {
        at,
        what: { kind: 'stage', stage: 'refund', from: 'not_applicable', to: 'done' },
        text: { 'zh-CN': '退款：不适用 → 已完成', en: 'Refund: not applicable → done' },
      },
      {
        at,
        what: { kind: 'settled', code: 'refunded' },
        text: { 'zh-CN': '已解决：已退款', en: 'Settled: Refunded' },
      },
    ],
  };
}

async function checkedLiveCase() {
  const fake = new FakeBackend();
  const { id } = await fake.saveCase(LIVE.raw);
  await fake.runCheck(id, LIVE.now);
  return { fake, id };
}

describe('following a case', () => {
  it('shows what an automatic re-check found, in the list and in the reopened case, until dismissed', async () => {
    const { fake, id } = await checkedLiveCase();
    const { user } = await renderApp({}, fake);
    expect(screen.queryByTestId('case-unread'), 'nothing new yet').toBeNull();

    fake.looked(refunded(id));
    const badge = await screen.findByTestId('case-unread');
    expect(badge, 'the list refreshes when the loop reports').toHaveTextContent('2 new changes');

    await user.click(within(screen.getByTestId('recent-cases')).getByTestId('case-row'));
    await screen.findByTestId('result');
    const changes = await screen.findByTestId('follow-changes');
    const items = within(changes).getAllByTestId('follow-change');
    expect(items.map((i) => i.dataset.kind)).toEqual(['stage', 'settled']);
    expect(changes, 'in words, not codes').toHaveTextContent('Settled: Refunded');

    await user.click(screen.getByTestId('follow-dismiss'));
    await waitFor(() => expect(screen.queryByTestId('follow-changes')).toBeNull());
    expect(fake.callsTo('markSeen').at(-1)?.args, 'the backend forgets them too').toEqual([id]);
    expect(fake.follows.get(id)?.unread).toEqual([]);
  });

  it('turns automatic re-checks off and on for the open case', async () => {
    const { fake, id } = await checkedLiveCase();
    const { user } = await renderApp({}, fake);
    await user.click(within(screen.getByTestId('recent-cases')).getByTestId('case-row'));
    const status = await screen.findByTestId('follow-status');
    expect(status).toHaveTextContent('Next automatic re-check');
    const toggle = screen.getByTestId('follow-toggle') as HTMLInputElement;
    expect(toggle.checked).toBe(true);
    await user.click(toggle);
    await waitFor(() => expect(screen.getByTestId('follow-status')).toHaveTextContent('off for this case'));
    expect(fake.callsTo('setFollowing').at(-1)?.args).toEqual([id, false]);
    await user.click(screen.getByTestId('follow-toggle'));
    await waitFor(() => expect(screen.getByTestId('follow-status')).toHaveTextContent('Next automatic re-check'));
  });

  it('opens the case a notification was about', async () => {
    const { fake, id } = await checkedLiveCase();
    await renderApp({}, fake);
    fake.clickNotification(id);
    await screen.findByTestId('result');
    expect(fake.callsTo('openCase').at(-1)?.args).toEqual([id]);
  });

  it('tells the backend the window language, for notifications', async () => {
    const { user, fake } = await renderApp({ locale: 'zh_CN.UTF-8' });
    await waitFor(() => expect(fake.uiLanguage).toBe('zh-CN'));
    await user.click(screen.getByTestId('lang-switch'));
    await waitFor(() => expect(fake.uiLanguage).toBe('en'));
  });
});

describe('starting at login', () => {
  it('is off by default and is turned on from the settings page', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('nav-settings'));
    const box = (await screen.findByTestId('start-at-login')) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    expect(box.checked, 'off by default').toBe(false);
    await user.click(box);
    await waitFor(() => expect(fake.atLogin).toBe(true));
    expect((screen.getByTestId('start-at-login') as HTMLInputElement).checked).toBe(true);
  });

  it('names the problem when the login item cannot be written', async () => {
    const { user, fake } = await renderApp();
    fake.failures.set('setStartAtLogin', {
      code: 'io',
      message: 'cannot change the login item: permission denied',
      details: {
        text: {
          'zh-CN': '无法修改登录启动项：permission denied',
          en: 'Cannot change the login item: permission denied',
        },
      },
    });
    await user.click(screen.getByTestId('nav-settings'));
    const box = (await screen.findByTestId('start-at-login')) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    await user.click(box);
    expect(await screen.findByTestId('start-at-login-error')).toHaveTextContent('permission denied');
  });
});
