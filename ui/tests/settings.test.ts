import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import {
  FakeBackend,
  KEYCHAIN_UNAVAILABLE,
  SOURCES_UNTRUSTED,
  UNTRUSTED_CONNECTION,
} from '$lib/fake-backend';
import { input, renderApp } from './helpers';

const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7-the-secret\n-----END PRIVATE KEY-----';
const PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsv9A3Jek\n-----END PUBLIC KEY-----';
const GATEWAY = 'http://127.0.0.1:40123/gateway.do';

/** Alipay fully set up in the fake's keychain. */
function savedAlipay(fake = new FakeBackend()) {
  fake.keychain.set('alipay', {
    app_id: '2021000000000001',
    private_key: PRIVATE_KEY,
    alipay_public_key: PUBLIC_KEY,
    gateway: GATEWAY,
  });
  return fake;
}

async function openSettings(fake = new FakeBackend()) {
  const r = await renderApp({}, fake);
  await r.user.click(screen.getByTestId('nav-settings'));
  await screen.findByTestId('source-card-alipay');
  return r;
}

/** Every value the page shows or holds: text and every field's value. */
function everything(): string {
  const fields = [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')];
  return document.body.textContent + fields.map((f) => `${f.value} ${f.placeholder}`).join(' ');
}

describe('my details', () => {
  it('are told once, checked field by field, and kept', async () => {
    const fake = new FakeBackend();
    const { user } = await openSettings(fake);
    const card = await screen.findByTestId('my-details');
    const field = (id: string) => within(card).getByTestId(id) as HTMLInputElement;
    await user.type(field('details-name'), ' 张三 ');
    await user.type(field('details-phone'), 'call me');
    await user.type(field('details-email'), 'zhang@example');
    await user.type(field('details-account-douyin_dou_plus'), '抖音号 zhang_2026');
    await user.click(within(card).getByTestId('details-save'));
    expect(await within(card).findByTestId('details-why-phone')).toHaveTextContent('5 to 20 digits');
    expect(within(card).getByTestId('details-why-email')).toHaveTextContent('name@example.com');
    expect(field('details-phone')).toHaveAttribute('aria-invalid', 'true');
    expect(fake.details.name, 'nothing is saved while a field is wrong').toBeNull();
    expect(field('details-name'), 'what was typed stays').toHaveValue(' 张三 ');

    await user.clear(field('details-phone'));
    await user.type(field('details-phone'), '138 0013 8000');
    await user.clear(field('details-email'));
    await user.click(within(card).getByTestId('details-save'));
    expect(await within(card).findByTestId('details-status')).toHaveTextContent('Saved');
    expect(fake.details).toEqual({
      name: '张三',
      phone: '138 0013 8000',
      email: null,
      address: null,
      accounts: { douyin_dou_plus: '抖音号 zhang_2026' },
    });
    expect(field('details-name'), 'the kept value, trimmed').toHaveValue('张三');
    expect(within(card).queryByTestId('details-why-phone')).not.toBeInTheDocument();
  });

  it('show what was saved, in Chinese', async () => {
    const fake = new FakeBackend({ locale: 'zh_CN.UTF-8' });
    fake.details = { name: '李四', phone: null, email: 'li@example.com', address: null, accounts: { card_shop: 'buyer_42' } };
    await openSettings(fake);
    const card = await screen.findByTestId('my-details');
    expect(card).toHaveTextContent('我的资料');
    expect(await within(card).findByTestId('details-name')).toHaveValue('李四');
    expect(within(card).getByTestId('details-account-card_shop')).toHaveValue('buyer_42');
  });
});

describe('the sources settings page', () => {
  it('is reached from the header and goes back where it came from', async () => {
    const { user } = await openSettings();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Sources');
    expect(screen.getByTestId('nav-settings'), 'the header marks the page').toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('source-card-wechat_pay'), 'one card per source').toHaveTextContent('WeChat Pay');
    expect(screen.getByTestId('source-state-alipay')).toHaveAttribute('data-state', 'not_set_up');
    expect(screen.getByTestId('source-state-alipay')).toHaveTextContent('Not set up');
    expect(input('field-alipay-gateway'), 'the placeholder shows the default').toHaveAttribute(
      'placeholder',
      'https://openapi.alipay.com/gateway.do',
    );
    expect(screen.getByTestId('test-alipay'), 'nothing to test yet').toBeDisabled();
    expect(screen.getByTestId('test-why-alipay')).toHaveTextContent('Fill in the required fields and save');

    await user.click(screen.getByTestId('settings-back'));
    expect(await screen.findByTestId('new-check'), 'back on the start screen').toBeInTheDocument();
  });

  it('never shows or pre-fills a saved secret, and saving with the secret left empty keeps it', async () => {
    const fake = savedAlipay();
    const { user } = await openSettings(fake);
    const key = input('field-alipay-private_key');
    expect(key, 'the secret field is empty').toHaveValue('');
    expect(key, 'and obscured').toHaveClass('obscured');
    expect(key).toHaveAttribute('data-secret', 'true');
    expect(key.getAttribute('placeholder')).toContain('Saved, hidden');
    expect(screen.getByTestId('field-saved-alipay-private_key')).toHaveTextContent('Saved, hidden');
    expect(input('field-alipay-app_id'), 'plain fields show their saved value').toHaveValue('2021000000000001');
    expect(input('field-alipay-gateway')).toHaveValue(GATEWAY);
    expect(screen.getByTestId('source-state-alipay')).toHaveAttribute('data-state', 'ready');
    expect(screen.getByTestId('source-origin-alipay')).toHaveTextContent('Saved in the system keychain');
    expect(everything(), 'the private key is nowhere on the page').not.toContain('the-secret');

    await user.clear(input('field-alipay-app_id'));
    await user.type(input('field-alipay-app_id'), '2021000000000002');
    await user.click(screen.getByTestId('save-alipay'));
    expect(await screen.findByTestId('save-status-alipay')).toHaveTextContent('Saved to the system keychain');

    const sent = fake.callsTo('saveCredentials')[0].args as [string, Record<string, string>];
    expect(sent[0]).toBe('alipay');
    expect(sent[1].private_key, 'the empty secret is sent empty: "keep what is saved"').toBe('');
    expect(sent[1].app_id).toBe('2021000000000002');
    expect(fake.keychain.get('alipay')?.private_key, 'the saved secret is kept').toBe(PRIVATE_KEY);
    expect(input('field-alipay-private_key'), 'and still not shown').toHaveValue('');
    expect(everything()).not.toContain('the-secret');
  });

  it('forgets the saved secrets when the address moves to another host, and says which to enter again', async () => {
    const fake = savedAlipay();
    const { user } = await openSettings(fake);
    await user.clear(input('field-alipay-gateway'));
    await user.type(input('field-alipay-gateway'), 'https://gateway.example.net/gateway.do');
    await user.click(screen.getByTestId('save-alipay'));
    const status = await screen.findByTestId('save-status-alipay');
    expect(status).toHaveAttribute('data-notice', 'true');
    expect(status).toHaveTextContent('not kept for it; enter it again');
    expect(status).toHaveTextContent('App private key');
    expect(fake.keychain.get('alipay')?.private_key, 'not sent to the new host').toBeUndefined();
    expect(fake.keychain.get('alipay')?.app_id, 'plain fields stay').toBe('2021000000000001');
    expect(screen.getByTestId('source-state-alipay')).toHaveAttribute('data-state', 'incomplete');
  });

  it('sets a source up, clears the typed secret on save, and tests the connection', async () => {
    const fake = new FakeBackend();
    fake.holdConnection = true;
    const { user } = await openSettings(fake);
    await user.type(input('field-alipay-app_id'), '2021000000000001');
    await user.click(input('field-alipay-private_key'));
    await user.paste(PRIVATE_KEY);
    await user.click(input('field-alipay-alipay_public_key'));
    await user.paste(PUBLIC_KEY);
    await user.type(input('field-alipay-gateway'), GATEWAY);
    expect(screen.getByTestId('test-alipay'), 'unsaved changes: the test would use the old settings').toBeDisabled();
    expect(screen.getByTestId('test-why-alipay')).toHaveTextContent('Save your changes first');

    await user.click(screen.getByTestId('save-alipay'));
    await waitFor(() => expect(screen.getByTestId('source-state-alipay')).toHaveAttribute('data-state', 'ready'));
    expect(fake.keychain.get('alipay')?.private_key, 'the key went to the keychain').toBe(PRIVATE_KEY);
    expect(input('field-alipay-private_key'), 'the typed secret is cleared').toHaveValue('');
    expect(screen.getByTestId('field-saved-alipay-private_key')).toBeInTheDocument();
    expect(input('field-alipay-alipay_public_key'), 'the public key is no secret').toHaveValue(PUBLIC_KEY);

    await user.click(screen.getByTestId('test-alipay'));
    expect(await screen.findByTestId('test-spinner-alipay'), 'a spinner while it runs').toBeInTheDocument();
    expect(screen.getByTestId('test-alipay')).toHaveTextContent('Testing');
    expect(screen.getByTestId('test-alipay')).toBeDisabled();
    fake.releaseConnection();
    const ok = await screen.findByTestId('test-result-alipay');
    expect(ok).toHaveAttribute('data-ok', 'true');
    expect(ok, "the backend's own words").toHaveTextContent(
      `connected: ${GATEWAY} accepted our signature and its answer verified with the Alipay public key`,
    );
    expect(ok).toHaveAttribute('role', 'status');
    expect(screen.queryByTestId('test-spinner-alipay')).toBeNull();
  });

  it('shows why a test failed, with the answer that was not used behind a disclosure', async () => {
    const fake = savedAlipay();
    fake.failures.set('testConnection', UNTRUSTED_CONNECTION);
    const { user } = await openSettings(fake);
    await user.click(screen.getByTestId('test-alipay'));
    const failed = await screen.findByTestId('test-result-alipay');
    expect(failed).toHaveAttribute('data-ok', 'false');
    expect(failed).toHaveAttribute('role', 'alert');
    expect(failed).toHaveTextContent('The test did not pass');
    expect(failed).toHaveTextContent('the signature does not verify with the configured Alipay public key');

    const raw = screen.getByTestId('test-raw-alipay-text');
    expect(raw, 'closed at first').not.toBeVisible();
    await user.click(screen.getByTestId('test-raw-alipay-toggle'));
    expect(screen.getByTestId('test-raw-alipay-toggle')).toHaveTextContent('Show the unused answer');
    expect(raw).toBeVisible();
    expect(raw.tagName).toBe('PRE');
    expect(raw).toHaveTextContent('ACQ.TRADE_NOT_EXIST');
  });

  it('says what the backend found missing, without a disclosure when there is no answer', async () => {
    const fake = savedAlipay();
    fake.failures.set('testConnection', {
      code: 'credentials',
      message: 'not set up: missing private_key',
      details: { text: { 'zh-CN': '尚未设置：缺少 private_key', en: 'not set up: missing private_key' }, raw: null },
    });
    const { user } = await openSettings(fake);
    await user.click(screen.getByTestId('test-alipay'));
    const failed = await screen.findByTestId('test-result-alipay');
    expect(failed).toHaveTextContent('not set up: missing private_key');
    expect(screen.queryByTestId('test-raw-alipay'), 'no raw answer: no disclosure').toBeNull();
  });

  it('marks a field set by an environment variable and leaves it out of the saved form', async () => {
    const fake = new FakeBackend();
    fake.env.set('alipay', { app_id: '2021000000000009' });
    const { user } = await openSettings(fake);
    const badge = screen.getByTestId('field-env-alipay-app_id');
    expect(badge).toHaveTextContent('Set by environment variable DAOZHANG_ALIPAY_APP_ID');
    expect(input('field-alipay-app_id')).toHaveValue('2021000000000009');
    expect(input('field-alipay-app_id'), 'read-only here').toHaveAttribute('readonly');
    expect(screen.getByTestId('source-card-alipay')).toHaveTextContent('the environment variable wins');
    expect(screen.getByTestId('source-state-alipay'), 'some values, not all').toHaveAttribute('data-state', 'incomplete');
    expect(screen.getByTestId('source-origin-alipay')).toHaveTextContent('Set by environment variables');
    expect(screen.queryByTestId('field-env-alipay-gateway'), 'only that field').toBeNull();

    await user.click(input('field-alipay-private_key'));
    await user.paste(PRIVATE_KEY);
    await user.click(screen.getByTestId('save-alipay'));
    await screen.findByTestId('save-status-alipay');
    const sent = fake.callsTo('saveCredentials')[0].args[1] as Record<string, string>;
    expect(Object.keys(sent), 'the environment’s field is not saved').not.toContain('app_id');
    expect(sent.private_key).toBe(PRIVATE_KEY);
  });

  it('shows an unavailable keychain as an error that names the problem', async () => {
    const fake = new FakeBackend();
    fake.keychainProblem = KEYCHAIN_UNAVAILABLE;
    const { user } = await openSettings(fake);
    const problem = screen.getByTestId('source-problem-alipay');
    expect(problem).toHaveAttribute('role', 'alert');
    expect(problem).toHaveTextContent('The system keychain cannot be used: the system keychain is not available');
    expect(problem).toHaveTextContent('DAOZHANG_* environment variables');

    await user.type(input('field-alipay-app_id'), '2021000000000001');
    await user.click(screen.getByTestId('save-alipay'));
    const failed = await screen.findByTestId('save-error-alipay');
    expect(failed, 'the save fails with the reason').toHaveTextContent('the system keychain is not available');
    expect(input('field-alipay-app_id'), 'nothing typed is lost').toHaveValue('2021000000000001');
  });

  it('deletes only after a confirmation', async () => {
    const fake = savedAlipay();
    const { user } = await openSettings(fake);
    expect(screen.queryByTestId('delete-wechat_pay'), 'nothing saved: nothing to delete').toBeNull();
    await user.click(screen.getByTestId('delete-alipay'));
    const confirm = screen.getByTestId('delete-confirm-alipay');
    expect(confirm).toHaveTextContent('Delete the saved Alipay settings from the system keychain?');
    await user.click(screen.getByTestId('delete-no-alipay'));
    expect(screen.queryByTestId('delete-confirm-alipay')).toBeNull();
    expect(fake.callsTo('deleteCredentials'), 'kept').toHaveLength(0);

    await user.click(screen.getByTestId('delete-alipay'));
    await user.click(screen.getByTestId('delete-yes-alipay'));
    expect(await screen.findByTestId('save-status-alipay')).toHaveTextContent('Deleted from the system keychain');
    expect(fake.callsTo('deleteCredentials')[0].args).toEqual(['alipay']);
    expect(fake.keychain.has('alipay')).toBe(false);
    expect(screen.getByTestId('source-state-alipay')).toHaveAttribute('data-state', 'not_set_up');
    expect(input('field-alipay-app_id'), 'the form is emptied').toHaveValue('');
    expect(screen.queryByTestId('field-saved-alipay-private_key')).toBeNull();
  });

  it('speaks Chinese', async () => {
    const fake = savedAlipay(new FakeBackend({ locale: 'zh_CN.UTF-8' }));
    fake.env.set('wechat_pay', { mchid: '1900000109' });
    await openSettings(fake);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('数据源');
    const alipay = screen.getByTestId('source-card-alipay');
    expect(alipay).toHaveTextContent('支付宝');
    expect(alipay).toHaveTextContent('已就绪');
    expect(screen.getByTestId('field-saved-alipay-private_key')).toHaveTextContent('已保存（不显示）');
    expect(screen.getByTestId('test-alipay')).toHaveTextContent('测试连接');
    expect(screen.getByTestId('field-env-wechat_pay-mchid')).toHaveTextContent('由环境变量 DAOZHANG_WECHAT_PAY_MCHID 设置');
  });
});

describe('an answer a live source gave but that was not used', () => {
  it('is offered on the check screen and on the result', async () => {
    const fake = new FakeBackend();
    fake.sourceResults.set('api:alipay', SOURCES_UNTRUSTED.find((s) => s.source === 'api:alipay')!);
    const { user } = await renderApp({}, fake);
    await user.click(screen.getByTestId('try-example-douyin'));
    fake.holdAt = 3;
    await user.click(screen.getByTestId('run-check'));
    const api = await screen.findByTestId('source-api:alipay');
    await waitFor(() => expect(api).toHaveAttribute('data-status', 'failed'));
    expect(api).toHaveTextContent('untrusted response: the signature does not verify');
    expect(within(api).getByTestId('raw-api:alipay-toggle')).toHaveTextContent('Show the unused answer');
    fake.release();

    await screen.findByTestId('result');
    const row = screen.getByTestId('report-source-api:alipay');
    expect(row, 'the result lists how each source went').toHaveAttribute('data-status', 'failed');
    expect(row).toHaveTextContent('Alipay merchant API');
    expect(row).toHaveTextContent('Failed');
    const text = within(row).getByTestId('raw-api:alipay-text');
    expect(text).not.toBeVisible();
    await user.click(within(row).getByTestId('raw-api:alipay-toggle'));
    expect(text).toBeVisible();
    expect(text, 'the answer as it came').toHaveTextContent('"trade_status":"TRADE_SUCCESS"');
    expect(text).toHaveClass('mono');
    expect(screen.getByTestId('report-source-manual'), 'sources without one offer none').not.toHaveTextContent(
      'Show the unused answer',
    );
  });

  it('shows in Chinese', async () => {
    const fake = new FakeBackend({ locale: 'zh_CN.UTF-8' });
    fake.sourceResults.set('api:alipay', SOURCES_UNTRUSTED.find((s) => s.source === 'api:alipay')!);
    const { user } = await renderApp({}, fake);
    await user.click(screen.getByTestId('try-example-douyin'));
    await user.click(screen.getByTestId('run-check'));
    await screen.findByTestId('result');
    expect(screen.getByTestId('report-sources')).toHaveTextContent('已查询的来源');
    expect(screen.getByTestId('raw-api:alipay-toggle')).toHaveTextContent('查看未采用的原始应答');
  });
});

describe('settings while a check runs', () => {
  it('stay open when the check ends; Back leads to the result', async () => {
    const fake = new FakeBackend();
    fake.holdAt = 0;
    const { user } = await renderApp({}, fake);
    await user.click(screen.getByTestId('try-example-cardshop'));
    await user.click(screen.getByTestId('run-check'));
    await screen.findByTestId('source-manual');
    await user.click(screen.getByTestId('nav-settings'));
    await screen.findByTestId('source-card-alipay');
    fake.release();
    await waitFor(() => expect(fake.callsTo('runCheck')).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId('settings'), 'the page is not taken away').toBeInTheDocument();
    await user.click(screen.getByTestId('settings-back'));
    expect(await screen.findByTestId('result'), 'the result waited').toBeInTheDocument();
  });
});
