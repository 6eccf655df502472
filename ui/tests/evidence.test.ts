import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ResultScreen from '../src/components/ResultScreen.svelte';
import { APP_KEY, AppState } from '$lib/app.svelte';
import { BACKEND_KEY } from '$lib/backend';
import type { CheckReport } from '$lib/bindings/CheckReport';
import type { RawCase } from '$lib/bindings/RawCase';
import { EVIDENCE_TEXT, FAKE_ZIP_PASSWORD, FakeBackend, SCANS } from '$lib/fake-backend';
import { fromRaw } from '$lib/form';
import { i18n } from '$lib/i18n.svelte';
import typed from '$lib/fixtures/check-douyin-typed.json';
import { renderApp, exampleResult } from './helpers';

/** The DOU+ order as typed by hand (fixtures/cases/douyin-typed.toml). */
function typedRaw(): RawCase {
  const obs = (at: string, source: string, status: string) => ({
    at,
    source,
    status,
    means: null,
    via: null,
    amount: null,
    payment: null,
    note: null,
  });
  return {
    platform: 'douyin_dou_plus',
    platform_name: null,
    order_id: '7439201234567890123',
    amount: '200.00',
    currency: 'CNY',
    method: 'alipay',
    card_last4: null,
    submitted_at: '2026-11-21 15:14',
    timezone: null,
    item: null,
    merchant: null,
    complainant: null,
    payment: [{ id: '2026112122001412341408157613', provider: null }],
    observation: [obs('15:15', 'platform', '支付失败'), obs('2026-11-21 15:15:12', 'alipay', '交易成功')],
    attachment: [],
    contact: [],
  };
}

/** The result screen of the typed DOU+ case, stored in a fake backend. */
async function showTyped() {
  const fake = new FakeBackend();
  const app = new AppState(fake, { minCheckMs: 0 });
  const raw = typedRaw();
  const { id } = await fake.saveCase(raw);
  app.form = fromRaw(raw);
  app.caseId = id;
  app.asOf = '2026-11-21 16:30';
  app.report = typed as unknown as CheckReport;
  app.screen = 'result';
  const user = userEvent.setup();
  render(ResultScreen, {
    context: new Map<symbol, unknown>([
      [APP_KEY, app],
      [BACKEND_KEY, fake],
    ]),
  });
  return { fake, app, id, user };
}

const panel = () => screen.getByTestId('evidence-panel');
const candidate = (i: number) => screen.getByTestId(`evidence-candidate-${i}`);
const pickBox = (i: number) => screen.getByTestId(`evidence-pick-${i}`) as HTMLInputElement;

describe('the evidence panel', () => {
  it('is on the result screen, in both languages, with a drop zone, a file button and a paste box', async () => {
    await showTyped();
    expect(panel()).toHaveTextContent('Add evidence: screenshots, bill export, bank SMS');
    expect(screen.getByTestId('evidence-drop')).toHaveTextContent('Drop a screenshot or a bill export here');
    expect(screen.getByTestId('evidence-choose')).toHaveTextContent('Choose a file…');
    expect(screen.getByLabelText("Or paste bank SMS or a payment's detail page")).toBe(
      screen.getByTestId('evidence-text'),
    );
    expect(screen.getByTestId('evidence-read'), 'nothing pasted: nothing to read').toBeDisabled();
    i18n.reset('zh-CN');
    await waitFor(() => expect(panel()).toHaveTextContent('添加证据：截图、账单、银行短信'));
  });

  it("lists the case's attachments by file name and kind, in both languages", async () => {
    const { user } = await renderApp();
    await exampleResult(user, 'douyin');
    const first = await screen.findByTestId('evidence-attachment-0');
    expect(first).toHaveTextContent('dou-plus-order.png');
    expect(first).toHaveTextContent("the platform's order page");
    i18n.reset('zh-CN');
    await waitFor(() => expect(screen.getByTestId('evidence-attachment-0')).toHaveTextContent('平台订单页面截图'));
    i18n.reset('en');
  });

  it('says when a case has no attachments yet', async () => {
    await showTyped();
    expect(screen.getByTestId('evidence-attachments-none')).toHaveTextContent('No files attached yet');
    expect(screen.queryByTestId('evidence-attachment-0')).toBeNull();
  });

  it('attaches the chat with customer service: saved with the case, kept, and listed', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    fake.evidencePaths = ['/home/user/Pictures/chat.png', '/home/user/Pictures/dou-plus-order.png'];
    expect(screen.getByTestId('attach-kind')).toHaveValue('chat_log');
    await user.click(screen.getByTestId('attach-files'));
    await waitFor(() => expect(screen.getByTestId('attach-done')).toHaveTextContent('1 file attached.'));
    const saved = fake.callsTo('saveCase').at(-1)!;
    const raw = saved.args[0] as RawCase;
    expect(
      raw.attachment.map((a) => `${a.kind}:${a.file}`),
      'the new one listed; one listed already is not listed twice',
    ).toEqual(['platform_screenshot:dou-plus-order.png', 'chat_log:chat.png']);
    expect(saved.args[1], 'an edit of the stored case').toBeTruthy();
    expect(fake.callsTo('keepAttachments').at(-1)!.args[1], 'both files kept').toEqual(fake.evidencePaths);
    expect(screen.getByTestId('evidence-attachment-1')).toHaveTextContent('chat.png');
    expect(screen.getByTestId('evidence-attachment-1')).toHaveTextContent('chat with customer service');
    expect(fake.callsTo('scanEvidenceFile'), 'attaching reads nothing').toHaveLength(0);
  });

  it('reads pasted SMS and lists the one that fits, unticked, with where and why', async () => {
    const { fake, id, user } = await showTyped();
    await user.click(screen.getByTestId('evidence-text'));
    await user.paste(EVIDENCE_TEXT.sms);
    await user.click(screen.getByTestId('evidence-read'));

    const result = await screen.findByTestId('evidence-result');
    expect(fake.callsTo('scanEvidenceText')[0].args[0], 'read against this case').toBe(id);
    expect(screen.getByTestId('evidence-format'), 'the format and how much was read').toHaveTextContent(
      'bank SMS — 2 records read',
    );
    expect(result).toHaveTextContent('From the pasted text');
    const c = candidate(0);
    expect(c, 'no number: the user decides').toHaveAttribute('data-direct', 'false');
    expect(pickBox(0), 'ranked rows start unticked').not.toBeChecked();
    expect(pickBox(0), 'and can be ticked').toBeEnabled();
    expect(c, 'time').toHaveTextContent('2026-11-21 15:15');
    expect(c, 'amount').toHaveTextContent('¥200.00');
    expect(c, 'the SMS itself').toHaveTextContent('快捷支付支出');
    expect(c, 'where in the paste').toHaveTextContent('SMS 1');
    expect(c, 'why it may be this payment').toHaveTextContent('the amount ¥200.00 matches the order');
    expect(c, 'the year was taken from the order').toHaveTextContent('the SMS has no year');
    expect(screen.queryByTestId('evidence-candidate-1'), 'the ¥38.50 SMS does not fit').toBeNull();
    expect(screen.getByTestId('evidence-accept'), 'nothing ticked: nothing to add').toBeDisabled();

    await user.click(pickBox(0));
    expect(screen.getByTestId('evidence-accept')).toHaveTextContent('Add 1 record to the case');
    expect(screen.getByTestId('evidence-accept')).toBeEnabled();
  });

  it('pre-ticks and locks the rows carrying the case’s number; the others wait for a tick', async () => {
    const { fake, user } = await showTyped();
    await user.click(screen.getByTestId('evidence-choose'));
    await screen.findByTestId('evidence-result');
    expect(fake.callsTo('chooseEvidenceFiles'), 'the open dialog was asked').toHaveLength(1);
    expect(fake.callsTo('scanEvidenceFile')[0].args[1]).toBe(fake.evidencePath);

    expect(screen.getByTestId('evidence-format')).toHaveTextContent('Alipay bill (app export) — 4 records read');
    expect(screen.getByTestId('evidence-result')).toHaveTextContent('From 支付宝交易明细(20261101-20261122).csv');
    const direct = candidate(0);
    expect(direct).toHaveAttribute('data-direct', 'true');
    expect(direct, 'said in words').toHaveTextContent("Matches the case's number, will be added");
    expect(direct).toHaveTextContent('line 27');
    expect(direct).toHaveTextContent('北京微播视界科技有限公司 · DOU+ 上热门');
    expect(direct).toHaveTextContent("carries the case's payment number 2026112122001412341408157613");
    expect(pickBox(0), 'direct: ticked').toBeChecked();
    expect(pickBox(0), 'and locked').toBeDisabled();

    expect(candidate(1)).toHaveAttribute('data-direct', 'false');
    expect(candidate(1)).toHaveTextContent('28 min after the order');
    expect(pickBox(1), 'ranked: unticked').not.toBeChecked();
    expect(screen.getByTestId('evidence-accept')).toHaveTextContent('Add 1 record to the case');

    // by keyboard: Space ticks the focused box
    pickBox(1).focus();
    await user.keyboard(' ');
    expect(pickBox(1)).toBeChecked();
    expect(screen.getByTestId('evidence-accept')).toHaveTextContent('Add 2 records to the case');

    await user.click(screen.getByTestId('evidence-discard'));
    expect(screen.queryByTestId('evidence-result'), 'discarded').toBeNull();
    expect(screen.getByTestId('evidence-choose'), 'ready for another').toBeInTheDocument();
  });

  it('adds the direct rows and the picks, checks again and the timeline names the bill', async () => {
    const { fake, id, app, user } = await showTyped();
    const bank = () => screen.getByTestId('stage-bank_processing');
    expect(bank(), 'before: the typed words').toHaveAttribute('data-via', 'manual');
    expect(bank()).toHaveTextContent('Source: Alipay');
    expect(bank()).not.toHaveTextContent('bill export');

    await user.click(screen.getByTestId('evidence-choose'));
    await screen.findByTestId('evidence-result');
    await user.click(pickBox(1));
    await user.click(screen.getByTestId('evidence-accept'));

    await waitFor(() => expect(fake.callsTo('runCheck'), 'checked again').toHaveLength(1));
    const accept = fake.callsTo('acceptEvidence');
    expect(accept, 'once').toHaveLength(1);
    expect(accept[0].args, 'the case, the ticked ranked row, the example’s moment').toEqual([id, [1], '2026-11-21 16:30']);
    await waitFor(() => expect(app.screen).toBe('result'));

    await waitFor(() => expect(bank(), 'after: the bill').toHaveAttribute('data-via', 'bill_export'));
    expect(bank()).toHaveTextContent('Source: Alipay · bill export');
    expect(screen.getByTestId('evidence-added'), 'a short confirmation').toHaveTextContent(
      '2 records added from Alipay bill (app export).',
    );
    expect(app.form.observations.length, 'the form holds the imported rows, so an edit keeps them').toBe(4);
    expect(screen.queryByTestId('evidence-result'), 'the panel is ready for more').toBeNull();

    // Reading the same bill again: those rows are in the case already.
    await user.click(screen.getByTestId('evidence-choose'));
    await screen.findByTestId('evidence-result');
    expect(candidate(0)).toHaveAttribute('data-in-case', 'true');
    expect(candidate(0)).toHaveTextContent('Already in the case');
    expect(screen.getByTestId('evidence-accept'), 'nothing new to add').toBeDisabled();
  });

  it('shows the translated sentence and the backend’s own words when a file cannot be read', async () => {
    const { fake, user } = await showTyped();
    fake.evidencePath = '/home/user/bad-statement.pdf';
    await user.click(screen.getByTestId('evidence-choose'));
    const e = await screen.findByTestId('evidence-error');
    expect(e).toHaveAttribute('role', 'alert');
    expect(e, 'the sentence for the code').toHaveTextContent('This file or text could not be read as a bill, bank SMS or receipt.');
    expect(screen.getByTestId('evidence-error-detail'), 'what is wrong and what to do').toHaveTextContent(
      'This is the PDF statement (made 「用于证明材料」, as proof), which holds no table to read. Ask for the bill made for checking instead',
    );
    expect(document.body.textContent, 'never the code').not.toContain('unreadable_evidence');
    expect(screen.getByTestId('evidence-choose'), 'another file can be chosen').toBeInTheDocument();

    i18n.reset('zh-CN');
    await waitFor(() => expect(screen.getByTestId('evidence-error-detail')).toHaveTextContent('请重新申请对账用的账单：微信：我 → 服务 → 钱包 → 账单'));
  });

  it('asks for a bill zip’s password, says where it was sent, says a wrong one and opens it with the right one', async () => {
    const { fake, user } = await showTyped();
    fake.evidencePath = '/home/user/Downloads/微信支付账单(20261101-20261130).zip';
    await user.click(screen.getByTestId('evidence-choose'));
    const ask = await screen.findByTestId('evidence-password');
    expect(ask).toHaveAttribute('role', 'dialog');
    expect(ask).toHaveAttribute('data-lock', 'zip_crypto');
    expect(ask).toHaveTextContent('Enter the zip\'s password');
    expect(ask, 'which file').toHaveTextContent('微信支付账单(20261101-20261130).zip');
    expect(screen.getByTestId('evidence-password-hint'), 'where the password was sent').toHaveTextContent(
      "A WeChat Pay bill zip's password is 6 digits, sent by the 「微信支付」 (WeChat Pay) official account",
    );
    expect(ask, 'and that it is not kept').toHaveTextContent('is not kept');
    expect(screen.queryByTestId('evidence-error'), 'a question, not an error').toBeNull();
    const input = screen.getByLabelText('Password') as HTMLInputElement;
    expect(input).toHaveAttribute('type', 'password');
    expect(input).toHaveFocus();
    expect(screen.getByTestId('evidence-password-open'), 'nothing typed yet').toBeDisabled();

    await user.type(input, '111111{Enter}');
    const wrong = await screen.findByTestId('evidence-password-wrong');
    expect(wrong).toHaveTextContent('That password is not right');
    expect(screen.getByTestId('evidence-password')).toHaveAttribute('data-wrong', 'true');
    expect(screen.getByLabelText('Password'), 'emptied for the next try').toHaveValue('');

    i18n.reset('zh-CN');
    await waitFor(() => expect(screen.getByTestId('evidence-password-hint')).toHaveTextContent('由「微信支付」公众号'));
    expect(screen.getByTestId('evidence-password-wrong')).toHaveTextContent('密码不对');
    i18n.reset('en');
    await waitFor(() => expect(screen.getByTestId('evidence-password-wrong')).toHaveTextContent('not right'));

    await user.type(screen.getByLabelText('Password'), FAKE_ZIP_PASSWORD);
    await user.click(screen.getByTestId('evidence-password-open'));
    await screen.findByTestId('evidence-result');
    expect(screen.queryByTestId('evidence-password')).toBeNull();
    const calls = fake.callsTo('scanEvidenceFile');
    expect(calls).toHaveLength(3);
    expect(JSON.stringify(calls), 'no password is recorded').not.toContain(FAKE_ZIP_PASSWORD);
    expect(document.body.textContent, 'nor shown').not.toContain(FAKE_ZIP_PASSWORD);
  });

  it('puts a locked zip away on Cancel', async () => {
    const { fake, user } = await showTyped();
    fake.evidencePath = '/home/user/Downloads/bill.zip';
    await user.click(screen.getByTestId('evidence-choose'));
    await screen.findByTestId('evidence-password');
    await user.type(screen.getByLabelText('Password'), '12');
    await user.click(screen.getByTestId('evidence-password-cancel'));
    expect(screen.queryByTestId('evidence-password')).toBeNull();
    expect(screen.getByTestId('evidence-choose'), 'another file can be chosen').toBeInTheDocument();
    expect(fake.callsTo('scanEvidenceFile')).toHaveLength(1);
  });

  it('says what to paste when the text is no SMS or receipt', async () => {
    const { user } = await showTyped();
    await user.type(screen.getByTestId('evidence-text'), '客服说再等等');
    await user.click(screen.getByTestId('evidence-read'));
    expect(await screen.findByTestId('evidence-error-detail')).toHaveTextContent(
      'Daozhang reads Alipay bill CSVs, WeChat Pay bills (CSV or Excel), bank debit SMS',
    );
    expect(screen.getByTestId('evidence-text'), 'the paste is kept to fix').toHaveValue('客服说再等等');
  });

  it('says what to check when nothing fits', async () => {
    const { fake, user } = await showTyped();
    fake.nextScan = { ...SCANS.bill, candidates: [] };
    await user.click(screen.getByTestId('evidence-choose'));
    const none = await screen.findByTestId('evidence-none');
    expect(none).toHaveTextContent('No record fits this order');
    expect(none, 'the date range and the account').toHaveTextContent(
      "Check that the export's date range includes 2026-11-21 and that it is the bill of the account you paid with.",
    );
    expect(screen.queryByTestId('evidence-accept'), 'nothing to add').toBeNull();
  });

  it('shows the reading progress and stops on Cancel, with nothing added', async () => {
    const { fake, user } = await showTyped();
    fake.holdEvidence = true;
    await user.click(screen.getByTestId('evidence-choose'));
    const bar = await screen.findByTestId('evidence-progress');
    await waitFor(() => expect(bar, 'a quarter read').toHaveAttribute('aria-valuenow', '25'));
    expect(bar).toHaveAttribute('role', 'progressbar');
    expect(screen.getByTestId('evidence-reading')).toHaveTextContent('Reading 支付宝交易明细(20261101-20261122).csv');
    expect(screen.getByTestId('evidence-reading'), 'bytes of bytes').toHaveTextContent(/\d+ B of 1 KB/);

    await user.click(screen.getByTestId('evidence-cancel'));
    expect(fake.callsTo('cancelEvidence'), 'the backend was told').toHaveLength(1);
    expect(await screen.findByTestId('evidence-cancelled')).toHaveTextContent('Stopped reading');
    expect(screen.queryByTestId('evidence-error'), 'a cancel is not an error').toBeNull();
    expect(screen.queryByTestId('evidence-progress')).toBeNull();
    expect(fake.callsTo('acceptEvidence')).toHaveLength(0);
  });

  it('highlights while a file is dragged over the window and reads the dropped file', async () => {
    const { fake } = await showTyped();
    await waitFor(() => expect(screen.getByTestId('evidence-drop')).toBeInTheDocument());
    fake.dragFiles({ type: 'over' });
    await waitFor(() => expect(screen.getByTestId('evidence-drop')).toHaveAttribute('data-over', 'true'));
    expect(screen.getByTestId('evidence-drop')).toHaveTextContent('Release to read the file');
    fake.dragFiles({ type: 'leave' });
    await waitFor(() => expect(screen.getByTestId('evidence-drop')).toHaveAttribute('data-over', 'false'));
    fake.dragFiles({ type: 'drop', paths: ['/tmp/alipay.csv', '/tmp/wechat.xlsx', '/tmp/shot.png'] });
    await screen.findByTestId('evidence-result');
    expect(fake.callsTo('scanEvidenceFile'), 'one file at a time').toHaveLength(1);
    expect(fake.callsTo('scanEvidenceFile')[0].args[1]).toBe('/tmp/alipay.csv');
    expect(screen.getByTestId('evidence-queue'), 'the others are named, to come').toHaveTextContent('Then: wechat.xlsx, shot.png');
    await userEvent.click(screen.getByTestId('evidence-discard'));
    await waitFor(() => expect(fake.callsTo('scanEvidenceFile')).toHaveLength(2));
    expect(fake.callsTo('scanEvidenceFile')[1].args[1], 'the next is read when the first is put away').toBe('/tmp/wechat.xlsx');
    await screen.findByTestId('evidence-result');
    expect(screen.getByTestId('evidence-queue')).toHaveTextContent('Then: shot.png');
  });

  it('reads several chosen files one after the other, and can skip the rest', async () => {
    const { fake, user } = await showTyped();
    fake.evidencePaths = ['/home/user/a.csv', '/home/user/b.csv', '/home/user/c.csv'];
    await user.click(screen.getByTestId('evidence-choose'));
    await screen.findByTestId('evidence-result');
    expect(fake.callsTo('chooseEvidenceFiles'), 'one dialog for several files').toHaveLength(1);
    expect(screen.getByTestId('evidence-queue')).toHaveTextContent('b.csv, c.csv');
    await user.click(screen.getByTestId('evidence-discard'));
    await waitFor(() => expect(fake.callsTo('scanEvidenceFile')).toHaveLength(2));
    await screen.findByTestId('evidence-result');
    await user.click(screen.getByTestId('evidence-skip-rest'));
    expect(screen.queryByTestId('evidence-queue'), 'nothing left').toBeNull();
    await user.click(screen.getByTestId('evidence-discard'));
    expect(fake.callsTo('scanEvidenceFile'), 'c.csv is not read').toHaveLength(2);
  });
});

describe('evidence in the whole app', () => {
  it('names the source of a stage’s words on the timeline, in both languages', async () => {
    const { user } = await renderApp();
    await exampleResult(user, 'douyin');
    const bank = screen.getByTestId('stage-bank_processing');
    expect(bank, 'the example’s Alipay words are from its bill').toHaveAttribute('data-via', 'bill_export');
    expect(within(bank).getByTestId('timeline-source-bank_processing')).toHaveTextContent('Source: Alipay · bill export');
    const typedWords = screen.getByTestId('timeline-source-credited');
    expect(typedWords, 'typed words name no channel').toHaveTextContent('Source: Platform app');
    expect(typedWords).not.toHaveTextContent('·');
    await user.click(screen.getByTestId('lang-switch'));
    expect(within(bank).getByTestId('timeline-source-bank_processing')).toHaveTextContent('来源：支付宝 · 账单');
  });

  it('reads a receipt pasted into the example, adds it and returns to the updated result', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    await user.click(screen.getByTestId('evidence-text'));
    await user.paste(EVIDENCE_TEXT.receipt);
    await user.click(screen.getByTestId('evidence-read'));
    await screen.findByTestId('evidence-result');
    expect(screen.getByTestId('evidence-format')).toHaveTextContent('transaction detail text — 1 record read');
    expect(pickBox(0)).toBeChecked();
    await user.click(screen.getByTestId('evidence-accept'));
    expect(await screen.findByTestId('evidence-added', {}, { timeout: 3000 })).toHaveTextContent(
      '1 record added from transaction detail text.',
    );
    expect(fake.callsTo('runCheck'), 'the check ran again').toHaveLength(2);
    expect(screen.getByTestId('result'), 'back on the result').toBeInTheDocument();
  });
});
