// The state modules of the evidence panel, the escalation ladder and the
// complaint editor, without their components.
import { describe, expect, it, vi } from 'vitest';
import { AppState } from '$lib/app.svelte';
import type { Complaint } from '$lib/bindings/Complaint';
import { ComplaintState, fileContents } from '$lib/complaint.svelte';
import { EvidenceState } from '$lib/evidence.svelte';
import { DOUYIN, LIVE } from '$lib/examples';
import { EVIDENCE_TEXT, FakeBackend, SCANS } from '$lib/fake-backend';
import { LadderState } from '$lib/ladder.svelte';

const flush = () => new Promise((r) => setTimeout(r, 0));

/** An app with the example stored and checked, on its result screen. */
async function openExample(example = DOUYIN) {
  const fake = new FakeBackend();
  const app = new AppState(fake, { minCheckMs: 0 });
  const { id } = await fake.saveCase(example.raw);
  app.caseId = id;
  app.asOf = example.now;
  app.report = await fake.runCheck(id, example.now);
  app.screen = 'result';
  return { fake, app, id };
}

describe('EvidenceState', () => {
  it('reads a file with its progress, says when it is shown, and counts what Add would add', async () => {
    const { fake, app } = await openExample();
    const shown = vi.fn();
    const ev = new EvidenceState(app, fake, { shown });
    fake.holdEvidence = true;
    const reading = ev.readFile('/home/user/alipay.csv');
    expect(ev.phase).toBe('reading');
    expect(ev.inputName).toBe('alipay.csv');
    await vi.waitFor(() => expect(ev.percent).toBe(25));
    fake.releaseEvidence();
    await reading;
    expect(ev.phase).toBe('result');
    expect(shown).toHaveBeenCalledOnce();
    expect(ev.scan?.format).toBe(SCANS.bill.format);
    expect(ev.toAdd, 'the direct row').toBe(1);
    ev.toggle(1, true);
    expect(ev.toAdd, 'and the ticked one').toBe(2);
    ev.toggle(1, false);
    expect(ev.picks).toEqual([]);
  });

  it('stops the read when the panel goes, and stops listening to drops', async () => {
    const { fake, app } = await openExample();
    const ev = new EvidenceState(app, fake);
    const detach = ev.attach();
    await flush();
    fake.holdEvidence = true;
    fake.dragFiles({ type: 'drop', paths: ['/home/user/Downloads/a.csv'] });
    await vi.waitFor(() => expect(ev.progress).not.toBeNull());
    detach();
    expect(fake.callsTo('cancelEvidence'), 'the backend is told').toHaveLength(1);
    fake.dragFiles({ type: 'drop', paths: ['/home/user/Downloads/b.csv'] });
    await flush();
    expect(fake.callsTo('scanEvidenceFile'), 'a drop after the panel went is not read').toHaveLength(1);
  });

  it('puts a scan away on Discard; a cancelled read is a note, not an error', async () => {
    const { fake, app } = await openExample();
    const ev = new EvidenceState(app, fake);
    ev.pasted = EVIDENCE_TEXT.sms;
    await ev.readText();
    expect(ev.scan?.format).toBe('bank_sms');
    ev.discard();
    expect([ev.phase, ev.scan]).toEqual(['idle', null]);

    fake.holdEvidence = true;
    const reading = ev.readFile('/home/user/Downloads/a.csv');
    await vi.waitFor(() => expect(ev.progress).not.toBeNull());
    await ev.cancel();
    expect(ev.cancelling).toBe(true);
    await reading;
    expect([ev.phase, ev.note, ev.error]).toEqual(['idle', 'cancelled', null]);
  });
});

describe('LadderState', () => {
  it('reads the ladder as of the case’s moment; a form starts on its day and closes once saved', async () => {
    const { fake, app } = await openExample();
    const ladder = new LadderState(app, fake);
    await ladder.load();
    expect(fake.callsTo('caseLadder')[0].args[1]).toBe(DOUYIN.now);
    expect(ladder.today).toBe('2026-11-21');
    ladder.show('platform_chat', 'sent');
    expect(ladder.date).toBe('2026-11-21');
    await ladder.submit();
    expect(ladder.open).toBeNull();
    expect(ladder.view?.rungs[0].status.state).toBe('sent');
    expect(ladder.history.map((m) => m.kind)).toEqual(['complaint']);
  });

  it('keeps the form and says why when saving fails', async () => {
    const { fake, app } = await openExample();
    const ladder = new LadderState(app, fake);
    await ladder.load();
    ladder.show('heimao', 'close');
    ladder.text = 'refunded';
    fake.failures.set('closeRung', { code: 'store', message: 'disk full', details: null });
    await ladder.submit();
    expect(ladder.error?.code).toBe('store');
    expect(ladder.open).toEqual({ audience: 'heimao', form: 'close' });
    expect(ladder.text).toBe('refunded');
    expect(ladder.busy).toBe(false);
  });

  it('exports where the user chose, named after the order', async () => {
    const { fake, app } = await openExample();
    const ladder = new LadderState(app, fake);
    fake.savePath = '/home/user/case.ics';
    await ladder.exportAs('ics', 'zh-CN', 'Calendar');
    expect(fake.callsTo('chooseSavePath')[0].args).toEqual([
      'daozhang-7439201234567890123.ics',
      [{ name: 'Calendar', extensions: ['ics'] }],
    ]);
    expect(fake.files.get('/home/user/case.ics')).toContain('X-LANG:zh-CN');
    expect(ladder.exported).toBe('ics');
  });
});

describe('ComplaintState', () => {
  it('shows the answer to the latest request only', async () => {
    const { fake, app } = await openExample(LIVE);
    const real = fake.complaint.bind(fake);
    let releaseFirst!: () => void;
    const held = new Promise<void>((r) => (releaseFirst = r));
    let n = 0;
    fake.complaint = async (...args) => {
      const mine = ++n;
      const c = await real(...args);
      if (mine === 1) await held;
      return c;
    };
    const editor = new ComplaintState(app, fake);
    const first = editor.load('platform_chat', 'en');
    await editor.load('heimao', 'en');
    releaseFirst();
    await first;
    expect(editor.complaint?.audience, 'the older answer came last, and is dropped').toBe('heimao');
    expect(editor.loading.running).toBe(false);
  });

  it('keeps edits in the app per audience and language, and undoes them', async () => {
    const { fake, app } = await openExample(LIVE);
    const editor = new ComplaintState(app, fake);
    await editor.load(app.audience, app.complaintLang);
    const generated = (editor.complaint as Complaint).text;
    editor.setText('My own words.');
    expect(editor.text).toBe('My own words.');
    expect(app.drafts[editor.key]).toBe('My own words.');
    expect(editor.edited).toBe(true);
    editor.resetDraft();
    expect([editor.text, editor.edited]).toEqual([generated, false]);
  });

  it('writes the subject as a heading in Markdown, as the first line in text', () => {
    expect(fileContents('/a/b.MD', 'Subject', 'Body')).toBe('# Subject\n\nBody');
    expect(fileContents('/a/b.txt', 'Subject', 'Body')).toBe('Subject\n\nBody');
    expect(fileContents('/a/b.txt', '', 'Body')).toBe('Body');
  });
});

describe('AppState saving an edit', () => {
  it('saves against the revision it was loaded from, and the next save against the new one', async () => {
    const fake = new FakeBackend();
    const app = new AppState(fake, { minCheckMs: 0 });
    const { id } = await fake.saveCase(DOUYIN.raw);
    await app.openCase(id);
    const loaded = fake.callsTo('openCase').length;
    expect(loaded).toBeGreaterThan(0);
    expect(await app.submit()).toBe(true);
    expect(fake.callsTo('saveCase').at(-1)?.args).toEqual([expect.anything(), id, 0]);
    expect(await app.submit()).toBe(true);
    expect(fake.callsTo('saveCase').at(-1)?.args, 'the revision the first save returned').toEqual([
      expect.anything(),
      id,
      1,
    ]);
    expect(app.formError).toBeNull();
  });

  it('when the case changed and cannot be merged, shows the stored case and says why', async () => {
    const fake = new FakeBackend();
    const app = new AppState(fake, { minCheckMs: 0 });
    const { id } = await fake.saveCase(DOUYIN.raw);
    await app.openCase(id);
    app.caseRevision = 41; // a revision the backend never handed out
    expect(await app.submit()).toBe(false);
    expect(app.formError?.code).toBe('changed');
    expect(app.caseRevision, 'reloaded from the stored case').toBe(0);
    expect(await app.submit(), 'the reloaded form saves').toBe(true);
  });
});
