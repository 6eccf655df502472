import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import { DRAFT, EVIDENCE_ERRORS } from '$lib/fake-backend';
import { emptyForm, withDraft } from '$lib/form';
import { i18n } from '$lib/i18n.svelte';
import { input, renderApp } from './helpers';

describe('a case from screenshots', () => {
  it('fills the intake from two chosen screenshots, each field saying which one it came from', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    expect(screen.getByTestId('intake-shots')).toHaveTextContent('read on this computer');
    await user.click(screen.getByTestId('intake-shots-choose'));
    await screen.findByTestId('intake-shots-result');
    expect(fake.callsTo('draftCase')[0].args, 'both chosen screenshots are read').toEqual([fake.screenshotPaths]);
    expect(input('order-id')).toHaveValue('7439201234567890123');
    expect(input('payment-id-0')).toHaveValue('2026112122001412341408157613');
    expect(input('amount')).toHaveValue('200.00');
    expect(screen.getByTestId('method')).toHaveValue('alipay');
    expect(input('submitted-at')).toHaveValue('2026-11-21 15:15:12');
    expect(screen.getByTestId('platform-select')).toHaveValue('douyin_dou_plus');
    expect(screen.getByTestId('from-shot-order_id'), "the order page's number").toHaveTextContent('from screenshot 2');
    expect(screen.getByTestId('from-shot-payment[0].id')).toHaveTextContent('from screenshot 1');
    expect(screen.getByTestId('intake-shot-0')).toHaveTextContent("alipay.png (screenshot of Alipay's bill details)");
    expect(screen.getByTestId('intake-shot-1')).toHaveTextContent('order.png (screenshot of the order page)');
    expect(screen.getByTestId('intake-shots-filled')).toHaveTextContent('Order number (screenshot 2)');
    expect(screen.queryByTestId('intake-shots-missing'), 'nothing left to fill').toBeNull();
    const statuses = [0, 1].map((i) => (screen.getByTestId(`obs-status-${i}`) as HTMLInputElement).value);
    expect(statuses.sort(), 'what each app shows').toEqual(['交易成功', '支付失败']);

    await user.click(screen.getByTestId('run-check'));
    await waitFor(() => expect(fake.callsTo('saveCase')).toHaveLength(1));
    const raw = fake.callsTo('saveCase')[0].args[0] as { attachment: { kind: string; file: string }[] };
    expect(
      raw.attachment.map((a) => `${a.kind}:${a.file}`),
      'the screenshots are the case attachments',
    ).toEqual(['payment_record:alipay.png', 'platform_screenshot:order.png']);
    await waitFor(() => expect(fake.callsTo('keepAttachments')).toHaveLength(1));
    expect(fake.callsTo('keepAttachments')[0].args[1], 'and kept with the stored case').toEqual(fake.screenshotPaths);

    await screen.findByTestId('rung-platform_chat', {}, { timeout: 3000 });
    fake.savePath = '/home/user/case.md';
    await user.click(screen.getByTestId('export-markdown'));
    await waitFor(() => expect(screen.getByTestId('ladder')).toHaveTextContent('Saved, with the 2 files kept with the case'));
    expect(fake.files.get('/home/user/case.md'), 'the Markdown shows the screenshots').toContain('![alipay.png](<case.files/alipay.png>)');
  });

  it('reads screenshots dropped on the intake, in Chinese too', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    i18n.reset('zh-CN');
    fake.dragFiles({ type: 'over' });
    await waitFor(() => expect(screen.getByTestId('intake-shots')).toHaveAttribute('data-over', 'true'));
    expect(screen.getByTestId('intake-shots')).toHaveTextContent('松开即可读取截图');
    fake.dragFiles({ type: 'drop', paths: ['/tmp/a.jpg', '/tmp/b.png'] });
    await screen.findByTestId('intake-shots-result');
    expect(screen.getByTestId('intake-shot-0')).toHaveTextContent('截图 1：a.jpg（支付宝账单详情截图）');
    expect(screen.getByTestId('from-shot-amount')).toHaveTextContent('来自截图');
    expect(input('order-id')).toHaveValue('7439201234567890123');
  });

  it('names a file that is no screenshot and leaves the form as it was', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    await user.type(input('order-id'), 'TYPED-1');
    fake.screenshotPaths = ['/home/user/statement.pdf'];
    await user.click(screen.getByTestId('intake-shots-choose'));
    const err = await screen.findByTestId('intake-shots-error');
    expect(err).toHaveTextContent(EVIDENCE_ERRORS.file.message.replace(/^.*?: /, '').slice(0, 30));
    expect(input('order-id'), 'nothing typed is lost').toHaveValue('TYPED-1');
  });

  it('stops reading on Cancel and keeps the form', async () => {
    const { user, fake } = await renderApp();
    await user.click(screen.getByTestId('new-check'));
    fake.holdEvidence = true;
    await user.click(screen.getByTestId('intake-shots-choose'));
    await screen.findByTestId('intake-shots-reading');
    await user.click(screen.getByTestId('intake-shots-cancel'));
    expect(await screen.findByTestId('intake-shots-cancelled')).toHaveTextContent('the form is unchanged');
    expect(input('order-id')).toHaveValue('');
  });

  it('adds what the screenshots read to what was typed, and replaces only what they show', () => {
    const typed = emptyForm();
    typed.payments[0].id = 'TYPED-PAYMENT';
    typed.platformName = '我的店';
    const f = withDraft(typed, structuredClone(DRAFT.case));
    expect(f.platformName, 'not on the screenshots: kept').toBe('我的店');
    expect(f.payments.map((p) => p.id)).toEqual(['TYPED-PAYMENT', '2026112122001412341408157613']);
    const again = withDraft(f, structuredClone(DRAFT.case));
    expect(again.payments, 'the same screenshots twice add nothing').toHaveLength(2);
    expect(again.observations).toHaveLength(f.observations.length);
    expect(again.rest.attachment).toHaveLength(2);
  });
});
