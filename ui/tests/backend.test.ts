import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
const listen = vi.fn();
const show = vi.fn();
const writeText = vi.fn();
const save = vi.fn();
const openUrl = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...a: unknown[]) => listen(...a) }));
vi.mock('@tauri-apps/api/window', () => ({ getCurrentWindow: () => ({ show }) }));
vi.mock('@tauri-apps/plugin-clipboard-manager', () => ({ writeText: (...a: unknown[]) => writeText(...a) }));
vi.mock('@tauri-apps/plugin-dialog', () => ({ save: (...a: unknown[]) => save(...a) }));
vi.mock('@tauri-apps/plugin-opener', () => ({ openUrl: (...a: unknown[]) => openUrl(...a) }));

import { TauriBackend, toBoundaryError } from '$lib/backend';
import { DOUYIN } from '$lib/examples';

describe('TauriBackend', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    invoke.mockResolvedValue(null);
  });

  it('calls each command by its Rust name with the Rust argument names', async () => {
    const b = new TauriBackend();
    await b.appInfo();
    await b.presets();
    await b.recogniseId('2026112122001412341408157613');
    await b.validateIntake(DOUYIN.raw);
    await b.saveCase(DOUYIN.raw);
    await b.saveCase(DOUYIN.raw, 'abc', 3);
    await b.listCases();
    await b.openCase('abc');
    await b.runCheck('abc');
    await b.runCheck('abc', '2026-11-21 16:30');
    await b.cancelCheck();
    await b.complaint('abc', 'consumer_12315', 'zh-CN');
    await b.saveMessage('abc', 'heimao', 'en', 'text');
    await b.exportCase('abc');
    await b.writeTextFile('/tmp/x.txt', 'hello');
    expect(invoke.mock.calls).toEqual([
      ['app_info', undefined],
      ['presets', undefined],
      ['recognise_id', { input: '2026112122001412341408157613' }],
      ['validate_intake', { raw: DOUYIN.raw }],
      ['save_case', { raw: DOUYIN.raw, id: null, revision: null }],
      ['save_case', { raw: DOUYIN.raw, id: 'abc', revision: 3 }],
      ['list_cases', undefined],
      ['open_case', { id: 'abc' }],
      ['run_check', { id: 'abc', now: null }],
      ['run_check', { id: 'abc', now: '2026-11-21 16:30' }],
      ['cancel_check', undefined],
      ['complaint', { id: 'abc', audience: 'consumer_12315', lang: 'zh-CN', now: null }],
      ['save_message', { id: 'abc', audience: 'heimao', lang: 'en', text: 'text' }],
      ['export_case', { id: 'abc' }],
      ['write_text_file', { path: '/tmp/x.txt', contents: 'hello' }],
    ]);
  });

  it('calls the settings commands by their Rust names', async () => {
    const b = new TauriBackend();
    await b.listSources();
    await b.saveCredentials('alipay', { app_id: '2021000000000001', private_key: '' });
    await b.deleteCredentials('wechat_pay');
    await b.testConnection('alipay');
    expect(invoke.mock.calls).toEqual([
      ['list_sources', undefined],
      ['save_credentials', { source: 'alipay', values: { app_id: '2021000000000001', private_key: '' } }],
      ['delete_credentials', { source: 'wechat_pay' }],
      ['test_connection', { source: 'alipay' }],
    ]);
  });

  it('passes the backend error shape through, and wraps anything else', async () => {
    const b = new TauriBackend();
    const e = { code: 'not_found', message: 'no case abc', details: null };
    invoke.mockRejectedValueOnce(e);
    await expect(b.openCase('abc')).rejects.toEqual(e);
    invoke.mockRejectedValueOnce('plugin failed');
    await expect(b.listCases(), 'a plain string error becomes internal').rejects.toMatchObject({ code: 'internal' });
    expect(toBoundaryError(new Error('x')).code).toBe('internal');
  });

  it('listens to check-progress and hands over the payload', async () => {
    const unlisten = vi.fn();
    listen.mockImplementation(async (_name: string, cb: (e: { payload: unknown }) => void) => {
      cb({ payload: [{ source: 'manual' }] });
      return unlisten;
    });
    const got: unknown[] = [];
    const stop = await new TauriBackend().onCheckProgress((p) => got.push(p));
    expect(listen.mock.calls[0][0], 'the event name').toBe('check-progress');
    expect(got).toEqual([[{ source: 'manual' }]]);
    stop();
    expect(unlisten).toHaveBeenCalled();
  });

  it('uses the window and clipboard plugins', async () => {
    const b = new TauriBackend();
    await b.showWindow();
    await b.copyText('hi');
    expect(show).toHaveBeenCalled();
    expect(writeText).toHaveBeenCalledWith('hi');
  });

  it('asks Rust for the dialogs, the file manager and the mail link: the page opens no dialog or URL itself', async () => {
    const b = new TauriBackend();
    invoke.mockResolvedValueOnce('/home/u/a.txt');
    expect(await b.chooseSavePath('a.txt', [{ name: 'Text', extensions: ['txt'] }])).toBe('/home/u/a.txt');
    await b.chooseEvidenceFiles('Bills');
    await b.chooseOrdersFile('Orders');
    await b.revealPath('/home/u/report.csv');
    await b.openMail({ id: 'abc', audience: 'platform_chat', lang: 'en', subject: 's', text: 't' });
    expect(invoke.mock.calls).toEqual([
      ['choose_save_file', { defaultName: 'a.txt', filters: [{ name: 'Text', extensions: ['txt'] }] }],
      ['choose_open_files', { kind: 'evidence', filterName: 'Bills' }],
      ['choose_open_file', { kind: 'orders', filterName: 'Orders' }],
      ['reveal_file', { path: '/home/u/report.csv' }],
      ['open_mail', { id: 'abc', audience: 'platform_chat', lang: 'en', subject: 's', text: 't', now: null }],
    ]);
    expect(save, 'no dialog from the page').not.toHaveBeenCalled();
    expect(openUrl, 'no URL from the page').not.toHaveBeenCalled();
  });
});
