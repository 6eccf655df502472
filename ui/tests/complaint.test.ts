import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import complaintsDouyin from '$lib/fixtures/complaints-douyin.json';
import complaintsLive from '$lib/fixtures/complaints-live.json';
import { exampleResult, renderApp, type User } from './helpers';

function textarea() {
  return screen.getByTestId('complaint-text') as HTMLTextAreaElement;
}

async function openComplaint(user: User, example: 'douyin' | 'live' | 'cardshop' = 'live') {
  await exampleResult(user, example);
  await user.click(screen.getByTestId('write-complaint'));
  await waitFor(() => expect(textarea().value, 'the generated text loads').not.toBe(''));
}

describe('the complaint editor', () => {
  it('loads the message for the chosen audience and language, and reloads on change', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    expect(screen.getByTestId('audience-select')).toHaveValue('platform_chat');
    expect(screen.getByTestId('complaint-lang'), 'the message language starts as the UI language').toHaveValue('en');
    expect(textarea().value).toBe(complaintsLive['platform_chat:en'].text);

    await user.selectOptions(screen.getByTestId('audience-select'), 'platform_ticket');
    await waitFor(() => expect(textarea().value, 'the ticket text').toBe(complaintsLive['platform_ticket:en'].text));
    expect(screen.getByTestId('complaint-subject'), 'a ticket has a subject').toHaveValue(
      complaintsLive['platform_ticket:en'].subject,
    );

    await user.selectOptions(screen.getByTestId('complaint-lang'), 'zh-CN');
    await waitFor(() =>
      expect(textarea().value, 'the Chinese text, independent of the UI language').toBe(
        complaintsLive['platform_ticket:zh-CN'].text,
      ),
    );
    expect(screen.getByText('Write the complaint'), 'the UI stays in English').toBeInTheDocument();
    const asked = fake.callsTo('complaint').map((c) => `${c.args[1]}:${c.args[2]}`);
    expect(asked, 'one request per choice').toEqual(['platform_chat:en', 'platform_ticket:en', 'platform_ticket:zh-CN']);
    expect(fake.callsTo('complaint')[0].args[3], 'an example is written as of its documented moment, like its check').toBe(
      '2026-11-21 20:40',
    );
  });

  it('sends the audience codes the backend accepts', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    await user.selectOptions(screen.getByTestId('audience-select'), 'consumer_12315');
    await waitFor(() => expect(textarea().value).toBe(complaintsLive['consumer_12315:en'].text));
    expect(fake.callsTo('complaint').at(-1)?.args[1]).toBe('consumer_12315');
  });

  it('shows the 12315 form box by box: counts, the picked demand, a copy per box, Chinese values in English', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user, 'douyin');
    expect(screen.queryByTestId('form-fields'), 'a chat is not a form').not.toBeInTheDocument();
    expect(screen.getByTestId('reader-note'), 'an English chat for Douyin says Chinese is expected').toHaveTextContent(
      'Chinese is expected by Douyin DOU+',
    );
    await user.selectOptions(screen.getByTestId('audience-select'), 'consumer_12315');
    const form = await screen.findByTestId('form-fields');
    const expected = complaintsDouyin['consumer_12315:en'].form!;
    expect(within(form).getByTestId('form-place')).toHaveTextContent('www.12315.cn');
    const notes = within(form).getAllByTestId('form-note').map((n) => n.textContent ?? '');
    expect(notes[0], 'in English it says the form expects Chinese').toContain('expects Chinese');
    expect(notes.some((n) => n.includes('personal consumption')), 'DOU+ is bought for business: warned').toBe(true);

    const facts = expected.fields.find((f) => f.key === 'facts')!;
    expect(facts.value, 'the values are Chinese').toContain('订单号');
    expect(within(form).getByTestId('form-count-facts')).toHaveTextContent(`${facts.chars} / ${facts.limit}`);
    expect(within(form).getByTestId('form-field-facts')).toHaveAttribute('data-over', 'false');
    expect(within(form).getByTestId('form-value-order_id')).toHaveTextContent(complaintsDouyin['consumer_12315:en'].form!.fields.find((f) => f.key === 'order_id')!.value);
    expect(within(form).getByTestId('form-field-complainant_name'), 'not in the case yet').toHaveAttribute('data-missing', 'true');
    expect(within(form).getByTestId('form-copy-complainant_name'), 'nothing to copy').toBeDisabled();
    const picked = within(within(form).getByTestId('form-choices-demand')).getByText('退款');
    expect(picked).toHaveClass('picked');

    await user.click(within(form).getByTestId('form-copy-facts'));
    expect(fake.copied, 'one box is copied, not the whole letter').toEqual([facts.value]);
    expect(await screen.findByText(/“Facts and reasons” copied/)).toBeInTheDocument();
  });

  it('shows the 黑猫 form in Chinese with counters', async () => {
    const { user } = await renderApp();
    await openComplaint(user, 'douyin');
    await user.selectOptions(screen.getByTestId('complaint-lang'), 'zh-CN');
    await user.selectOptions(screen.getByTestId('audience-select'), 'heimao');
    const form = await screen.findByTestId('form-fields');
    expect(screen.queryByTestId('reader-note'), 'a Chinese text needs no note').not.toBeInTheDocument();
    const title = complaintsDouyin['heimao:zh-CN'].form!.fields.find((f) => f.key === 'title')!;
    expect(within(form).getByTestId('form-value-title')).toHaveTextContent(title.value);
    expect(within(form).getByTestId('form-count-title')).toHaveTextContent(`${title.chars} / 30`);
    expect(within(form).queryAllByTestId('form-note').some((n) => n.textContent?.includes('expects Chinese'))).toBe(false);
  });

  it('keeps edits when copying, and across audience changes', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    await user.clear(textarea());
    await user.type(textarea(), 'My own words.');
    await user.click(screen.getByTestId('copy-complaint'));
    expect(fake.copied, 'the edited text is copied, not the generated one').toEqual(['My own words.']);
    expect(await screen.findByText(/Copied/), 'a short confirmation').toBeInTheDocument();

    await user.selectOptions(screen.getByTestId('audience-select'), 'heimao');
    await waitFor(() => expect(textarea().value).toBe(complaintsLive['heimao:en'].text));
    await user.selectOptions(screen.getByTestId('audience-select'), 'platform_chat');
    await waitFor(() => expect(textarea().value, 'coming back shows my edit').toBe('My own words.'));

    await user.click(screen.getByRole('button', { name: 'Undo my changes' }));
    expect(textarea().value, 'undo brings back the generated text').toBe(complaintsLive['platform_chat:en'].text);
  });

  it('keeps the edits when going back to the result and returning', async () => {
    const { user } = await renderApp();
    await openComplaint(user);
    await user.type(textarea(), ' Thanks.');
    await user.click(screen.getByTestId('back-to-result'));
    await user.click(await screen.findByTestId('write-complaint'));
    await waitFor(() => expect(textarea().value.endsWith(' Thanks.'), 'the draft survived').toBe(true));
  });

  it('lists the evidence checklist with what is still missing', async () => {
    const { user } = await renderApp();
    await openComplaint(user);
    const list = screen.getByTestId('checklist');
    const items = within(list).getAllByRole('listitem');
    const expected = complaintsLive['platform_chat:en'].checklist;
    expect(items, 'one row per checklist item').toHaveLength(expected.length);
    const missing = items.filter((li) => li.dataset.have === 'false');
    expect(missing.map((li) => li.textContent?.includes('Missing')), 'missing items say so').toEqual(
      missing.map(() => true),
    );
    expect(missing.length, 'the live example lacks three pieces of evidence').toBe(3);
    expect(list.parentElement, 'the count is said').toHaveTextContent('3 items still missing');
    expect(items.find((li) => li.dataset.have === 'true'), 'what we have is ticked').toHaveTextContent(
      'order number LS20261121200512345',
    );
  });

  it("names the case's attached files under their checklist item", async () => {
    const { user } = await renderApp();
    await openComplaint(user, 'douyin');
    const files = await screen.findByTestId('checklist-files-platform_screenshot');
    expect(files, 'the order page screenshot the example lists').toHaveTextContent('dou-plus-order.png');
    expect(screen.queryByTestId('checklist-files-payment_record'), 'no file for what has none').toBeNull();
  });

  it('saves to the chosen file and keeps the message in the case history', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    fake.savePath = '/home/user/complaint.md';
    await user.selectOptions(screen.getByTestId('audience-select'), 'platform_ticket');
    await waitFor(() => expect(textarea().value).toBe(complaintsLive['platform_ticket:en'].text));
    await user.click(screen.getByTestId('save-complaint'));
    await screen.findByText(/Saved to/);
    const body = fake.files.get('/home/user/complaint.md');
    expect(body, 'the file has the subject as a heading and the text').toBe(
      `# ${complaintsLive['platform_ticket:en'].subject}\n\n${complaintsLive['platform_ticket:en'].text}`,
    );
    const kept = fake.callsTo('saveMessage');
    expect(kept, 'the message is kept with the case').toHaveLength(1);
    expect(kept[0].args.slice(1, 3)).toEqual(['platform_ticket', 'en']);
  });

  it('saves plain text with the subject on the first line', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    await user.click(screen.getByTestId('save-complaint'));
    await screen.findByText(/Saved to/);
    expect(fake.files.get('/home/user/complaint.txt'), 'a chat message has no subject').toBe(
      complaintsLive['platform_chat:en'].text,
    );
  });

  it('does nothing when the save dialog is cancelled', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    fake.savePath = null;
    await user.click(screen.getByTestId('save-complaint'));
    expect(fake.callsTo('writeTextFile'), 'nothing written').toHaveLength(0);
    expect(fake.callsTo('saveMessage'), 'nothing kept').toHaveLength(0);
  });

  it('asks the backend to open the mail client with the case, audience, subject and body (the page builds no link)', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    await user.selectOptions(screen.getByTestId('audience-select'), 'platform_ticket');
    await waitFor(() => expect(textarea().value).toBe(complaintsLive['platform_ticket:en'].text));
    await user.click(screen.getByTestId('mail-complaint'));
    const mail = fake.openedMails[0];
    expect(mail, 'a mail request, not a URL').toMatchObject({
      audience: 'platform_ticket',
      lang: 'en',
      subject: complaintsLive['platform_ticket:en'].subject,
      text: complaintsLive['platform_ticket:en'].text,
    });
    expect(mail.id, 'the case the complaint is of').toBeTruthy();
    expect(JSON.stringify(mail), 'no link built by the page').not.toContain('mailto:');
  });

  it('says what to do when no mail app opens', async () => {
    const { user, fake } = await renderApp();
    await openComplaint(user);
    fake.failures.set('openMail', { code: 'internal', message: 'forbidden url', details: null });
    await user.click(screen.getByTestId('mail-complaint'));
    expect(await screen.findByText(/Couldn't open a mail app/), 'a specific, helpful sentence').toBeInTheDocument();
    expect(document.body.textContent).not.toContain('forbidden url');
    expect(fake.callsTo('saveMessage'), 'nothing was sent, so nothing is kept').toHaveLength(0);
  });

  it('opens a next step message straight from the result', async () => {
    const { user } = await renderApp();
    await exampleResult(user, 'douyin');
    await user.click(screen.getByRole('button', { name: 'Write the Payment provider message' }));
    expect(await screen.findByTestId('audience-select')).toHaveValue('payment_provider');
  });
});

describe('export', () => {
  it('writes the case document where the user chose', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    fake.savePath = '/home/user/case.json';
    await user.click(screen.getByTestId('export-case'));
    expect(await screen.findByText('Case exported.'), 'a short confirmation').toBeInTheDocument();
    const json = JSON.parse(fake.files.get('/home/user/case.json') ?? '{}');
    expect(json.format, 'the export document').toBe('daozhang-case');
    expect(fake.callsTo('chooseSavePath')[0].args[0], 'named after the order').toBe('daozhang-7439201234567890123.json');
  });
});
