import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { exampleResult, renderApp } from './helpers';

function rung(audience: string) {
  return screen.getByTestId(`rung-${audience}`);
}

describe('the escalation panel', () => {
  it('lists the rungs with their status and dates, the chat first', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    const panel = await screen.findByTestId('ladder');
    await waitFor(() => expect(within(panel).getAllByTestId(/^rung-(platform|payment|consumer|heimao)/)).toHaveLength(5));
    expect(rung('platform_chat')).toHaveAttribute('data-status', 'not_yet');
    expect(rung('platform_chat')).toHaveClass('current');
    expect(rung('platform_ticket')).not.toHaveClass('current');
    expect(within(rung('consumer_12315')).getByText('2029-11-21'), "12315's last day").toBeInTheDocument();
    expect(within(panel).getByText('Nothing sent or received yet.')).toBeInTheDocument();
    expect(fake.callsTo('caseLadder')[0].args[1], 'an example is evaluated at its documented moment').toBe('2026-11-21 16:30');
  });

  it('marks a complaint sent, keeps a pasted answer, and moves to the next rung', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    await screen.findByTestId('rung-platform_chat');

    await user.click(screen.getByTestId('mark-sent-platform_chat'));
    expect(screen.getByTestId('rung-date'), 'the date starts at the day of the evaluation').toHaveValue('2026-11-21');
    await user.click(screen.getByTestId('rung-save'));
    await waitFor(() => expect(rung('platform_chat')).toHaveAttribute('data-status', 'sent'));
    const sent = fake.callsTo('markSent')[0].args;
    expect(sent.slice(1, 4), 'audience, date and the complaint language').toEqual(['platform_chat', '2026-11-21', 'en']);
    expect(screen.queryByTestId('rung-form'), 'the form closes once saved').not.toBeInTheDocument();

    await user.click(screen.getByTestId('reply-platform_chat'));
    await user.type(screen.getByTestId('rung-text'), 'Please wait 24 hours.');
    await user.click(screen.getByTestId('rung-save'));
    await waitFor(() => expect(rung('platform_chat')).toHaveAttribute('data-status', 'answered'));
    expect(rung('platform_ticket'), 'an answered chat makes the ticket the next rung').toHaveClass('current');
    const entries = screen.getAllByTestId('history-entry');
    expect(entries.map((e) => e.dataset.kind)).toEqual(['complaint', 'answer']);
    expect(within(entries[1]).getByText('Please wait 24 hours.')).toBeInTheDocument();
    expect(fake.callsTo('recordReply')[0].args.slice(3, 6), 'no ticket or promise given').toEqual([
      'Please wait 24 hours.',
      null,
      null,
    ]);
  });

  it('keeps a ticket number and a promised day with the answer', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    await screen.findByTestId('rung-platform_chat');
    await user.click(screen.getByTestId('reply-platform_chat'));
    await user.type(screen.getByTestId('rung-text'), '已提交工单');
    await user.type(screen.getByTestId('rung-ticket'), ' GD20261121001 ');
    await user.type(screen.getByTestId('rung-promised'), '2026-11-24');
    expect(screen.getByTestId('rung-form')).toHaveTextContent('quotes the ticket number');
    await user.click(screen.getByTestId('rung-save'));
    await waitFor(() => expect(rung('platform_chat')).toHaveAttribute('data-status', 'answered'));
    expect(fake.callsTo('recordReply')[0].args.slice(3, 6)).toEqual(['已提交工单', 'GD20261121001', '2026-11-24']);
  });

  it('needs an answer before saving it, and shows a failed save without losing the form', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    await screen.findByTestId('rung-platform_ticket');
    await user.click(screen.getByTestId('reply-platform_ticket'));
    expect(screen.getByTestId('rung-save'), 'an empty answer cannot be saved').toBeDisabled();
    await user.type(screen.getByTestId('rung-text'), '   ');
    expect(screen.getByTestId('rung-save'), 'nor one of blanks').toBeDisabled();
    await user.type(screen.getByTestId('rung-text'), 'We are looking into it.');
    fake.failures.set('recordReply', { code: 'store', message: 'disk full', details: null });
    await user.click(screen.getByTestId('rung-save'));
    expect(await screen.findByTestId('ladder-error')).not.toBeEmptyDOMElement();
    expect(rung('platform_ticket')).toHaveAttribute('data-status', 'not_yet');
    expect(screen.getByTestId('rung-text'), 'the text is still there to try again').toHaveValue('   We are looking into it.');
    await user.click(screen.getByTestId('rung-save'));
    await waitFor(() => expect(rung('platform_ticket')).toHaveAttribute('data-status', 'answered'));
    expect(screen.queryByTestId('ladder-error')).not.toBeInTheDocument();
  });

  it('closes a rung with a note', async () => {
    const { user } = await renderApp();
    await exampleResult(user, 'douyin');
    await screen.findByTestId('rung-heimao');
    await user.click(screen.getByTestId('close-heimao'));
    await user.type(screen.getByTestId('rung-text'), 'refunded');
    await user.click(screen.getByTestId('rung-save'));
    await waitFor(() => expect(rung('heimao')).toHaveAttribute('data-status', 'closed'));
    expect(screen.getAllByTestId('history-entry')[0]).toHaveAttribute('data-kind', 'closed');
  });

  it('opens the complaint for a rung', async () => {
    const { user } = await renderApp();
    await exampleResult(user, 'douyin');
    await screen.findByTestId('rung-payment_provider');
    await user.click(within(rung('payment_provider')).getByText('Write complaint'));
    await waitFor(() => expect(screen.getByTestId('audience-select')).toHaveValue('payment_provider'));
  });

  it('exports the Markdown case file and the calendar where the user chose', async () => {
    const { user, fake } = await renderApp();
    await exampleResult(user, 'douyin');
    await screen.findByTestId('rung-platform_chat');
    fake.savePath = '/home/user/case.md';
    await user.click(screen.getByTestId('export-markdown'));
    await waitFor(() => expect(fake.files.get('/home/user/case.md')).toMatch(/^# 7439201234567890123 \(en\)/));
    fake.savePath = '/home/user/case.ics';
    await user.click(screen.getByTestId('export-ics'));
    await waitFor(() => expect(fake.files.get('/home/user/case.ics')).toMatch(/^BEGIN:VCALENDAR\r\n/));
    expect(screen.getByTestId('ladder')).toHaveTextContent('Saved.');

    fake.savePath = null;
    const before = fake.files.size;
    await user.click(screen.getByTestId('export-ics'));
    await waitFor(() => expect(fake.callsTo('chooseSavePath')).toHaveLength(3));
    expect(fake.callsTo('exportIcs'), 'nothing made for a cancelled dialog').toHaveLength(1);
    expect(fake.files.size, 'a cancelled dialog writes nothing').toBe(before);
  });
});
