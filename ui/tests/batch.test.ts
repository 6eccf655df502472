import { beforeEach, describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/svelte';
import { BATCH, FakeBackend } from '$lib/fake-backend';
import { i18n } from '$lib/i18n.svelte';
import { reportName } from '$lib/batch.svelte';
import { renderApp, type User } from './helpers';

const REPORT = '/home/user/Documents/orders-november-report.csv';

/** The app on the batch screen with the fixture's orders file previewed. */
async function previewed(fake = new FakeBackend()) {
  fake.savePath = REPORT;
  const r = await renderApp({}, fake);
  await r.user.click(screen.getByTestId('open-batch'));
  await r.user.click(await screen.findByTestId('batch-choose'));
  await screen.findByTestId('batch-preview');
  return r;
}

/** Chooses the report file and starts the run. */
async function start(user: User) {
  await user.click(screen.getByTestId('batch-choose-report'));
  await waitFor(() => expect(screen.getByTestId('batch-report-path').textContent).toBe(REPORT));
  await user.click(screen.getByTestId('batch-run'));
}

beforeEach(() => i18n.reset('en'));

describe('batch screen', () => {
  it('previews a file: orders, columns read, each bad row with its line and why; nothing checked', async () => {
    const { fake } = await previewed();
    expect(fake.callsTo('chooseOrdersFile')).toHaveLength(1);
    expect(fake.callsTo('batchPreview')[0].args).toEqual(['/home/user/Documents/orders-november.csv']);

    const facts = screen.getByTestId('batch-preview').textContent ?? '';
    expect(facts).toContain('10 orders');
    expect(facts).toContain('8 can be checked');
    expect(facts).toContain('2 rows cannot be read');

    const bad = screen.getAllByTestId('batch-bad-row');
    expect(bad).toHaveLength(2);
    expect(within(bad[0]).getAllByRole('cell')[0].textContent).toBe('4');
    expect(bad[0].textContent).toContain('B1003');
    expect(bad[0].textContent, 'the backend says why').toContain('two hundred');
    expect(within(bad[1]).getAllByRole('cell')[0].textContent).toBe('8');
    expect(bad[1].textContent).toContain('yesterday');

    expect(screen.getByText('not read: 备注')).toBeTruthy();
    expect(fake.callsTo('batchRun'), 'a preview checks nothing').toHaveLength(0);
    expect((screen.getByTestId('batch-run') as HTMLButtonElement).disabled, 'the report must be chosen first').toBe(true);
  });

  it('names what is missing when the file lacks columns, in the UI language', async () => {
    const fake = new FakeBackend();
    fake.ordersPath = '/home/user/Documents/bad-export.csv';
    i18n.reset('zh-CN');
    const { user } = await renderApp({}, fake);
    i18n.reset('zh-CN');
    await user.click(screen.getByTestId('open-batch'));
    await user.click(await screen.findByTestId('batch-choose'));
    const alert = await screen.findByTestId('batch-preview-error');
    expect(alert.textContent).toContain('缺少列');
    expect(alert.textContent).toContain('下单时间');
    expect(alert.textContent, 'no error codes are shown').not.toContain('syntax');
    expect(screen.queryByTestId('batch-run')).toBeNull();
  });

  it('runs with a real progress bar and shows the summary, the causes and the rows', async () => {
    const fake = new FakeBackend();
    fake.holdBatchAt = 3;
    const { user } = await previewed(fake);
    await user.clear(screen.getByTestId('batch-concurrency'));
    await user.type(screen.getByTestId('batch-concurrency'), '8');
    await start(user);

    const bar = await screen.findByTestId('batch-progress');
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('3'));
    expect(bar.getAttribute('aria-valuemax')).toBe('10');
    expect(screen.getByTestId('batch-progress-text').textContent).toContain('3 of 10 orders');
    expect(fake.callsTo('batchRun')[0].args).toEqual([
      '/home/user/Documents/orders-november.csv',
      REPORT,
      { concurrency: 8, resume: false, offline: false },
    ]);

    fake.holdBatchAt = null;
    fake.releaseBatch();
    await screen.findByTestId('batch-result');
    expect(screen.getByTestId('batch-complete').textContent).toContain('All 10 orders checked');
    const card = (o: string) => screen.getByTestId(`batch-count-${o}`).textContent ?? '';
    expect(card('settled')).toMatch(/^1\s*Settled/);
    expect(card('waiting')).toMatch(/^3\s*Waiting/);
    expect(card('broken_link')).toMatch(/^2\s*Broken link/);
    expect(card('error')).toMatch(/^2\s*Error/);

    const causes = screen.getAllByTestId('batch-cause');
    const platformBug = causes.find((c) => c.dataset.code === 'platform_bug');
    expect(platformBug?.textContent).toContain('did not credit');
    expect(platformBug?.textContent, 'the broken stage by name').toContain('Credited');
    const badRows = causes.find((c) => c.dataset.code === 'bad_row');
    expect(badRows?.textContent, 'a cause title, not the first row’s message').toContain('Rows that cannot be read');

    const rows = screen.getAllByTestId('batch-row');
    expect(rows).toHaveLength(10);
    expect(rows[0].textContent).toContain('B1001');
    expect(rows[0].textContent).toContain('¥200.00');
    expect(rows[0].dataset.outcome).toBe('settled');
    await user.click(screen.getByTestId('batch-filter-broken_link'));
    const broken = screen.getAllByTestId('batch-row');
    expect(broken.map((r) => within(r).getAllByRole('cell')[1].textContent)).toEqual(['B1005', 'B1010']);
  });

  it('cancel keeps what was done; Resume continues into the same report without asking the done orders again', async () => {
    const fake = new FakeBackend();
    fake.holdBatchAt = 4;
    const { user } = await previewed(fake);
    await start(user);
    const bar = await screen.findByTestId('batch-progress');
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('4'));
    await user.click(screen.getByTestId('batch-cancel'));

    const partial = await screen.findByTestId('batch-partial');
    expect(partial.textContent).toContain('Stopped after 4 of 10 orders');
    expect(screen.getAllByTestId('batch-row')).toHaveLength(4);
    expect(fake.batchReports.get(REPORT), 'the report holds the finished rows').toHaveLength(4);

    fake.holdBatchAt = null;
    await user.click(screen.getByTestId('batch-resume'));
    await screen.findByTestId('batch-complete');
    const runs = fake.callsTo('batchRun');
    expect(runs).toHaveLength(2);
    expect(runs[1].args[1], 'the same report').toBe(REPORT);
    expect((runs[1].args[2] as { resume: boolean }).resume).toBe(true);
    expect(screen.getByTestId('batch-complete').textContent).toContain('4 of them from an earlier run');
    expect(screen.getAllByTestId('batch-row')).toHaveLength(10);
    expect(fake.batchReports.get(REPORT)).toHaveLength(10);
  });

  it('an existing report is not overwritten: continue it, or choose another', async () => {
    const fake = new FakeBackend();
    const { user } = await previewed(fake);
    await start(user);
    await screen.findByTestId('batch-complete');

    await user.click(screen.getByTestId('batch-run'));
    const alert = await screen.findByTestId('batch-run-error');
    expect(alert.textContent).toContain('The report file exists already');
    expect(alert.textContent).toContain(REPORT);
    expect(alert.textContent, 'the window’s words, not the CLI’s').not.toContain('--resume');

    await user.click(screen.getByTestId('batch-continue-existing'));
    await waitFor(() => expect(screen.queryByTestId('batch-run-error')).toBeNull());
    await screen.findByTestId('batch-complete');
    expect(screen.getByTestId('batch-complete').textContent).toContain('10 of them from an earlier run');
  });

  it('saves a copy of the report where the user chooses, shows it in its folder, copies its path', async () => {
    const fake = new FakeBackend();
    const { user } = await previewed(fake);
    await start(user);
    await screen.findByTestId('batch-result');
    expect(screen.getByTestId('batch-report-file').textContent).toBe(REPORT);

    fake.savePath = '/home/user/Desktop/for-support.csv';
    await user.click(screen.getByTestId('batch-save'));
    const saved = await screen.findByTestId('batch-saved');
    expect(saved.textContent).toContain('/home/user/Desktop/for-support.csv');
    const save = fake.callsTo('chooseSavePath').at(-1);
    expect(save?.args[0], 'the dialog proposes the report’s name').toBe('orders-november-report.csv');
    expect(fake.savedReports.get('/home/user/Desktop/for-support.csv')).toHaveLength(10);

    await user.click(screen.getByTestId('batch-reveal'));
    expect(fake.revealed).toEqual([REPORT]);
    await user.click(screen.getByTestId('batch-copy-path'));
    expect(fake.copied).toEqual([REPORT]);

    // The user closes the save dialog: nothing is written, nothing is said.
    fake.savePath = null;
    await user.click(screen.getByTestId('batch-save'));
    expect(fake.callsTo('batchSaveReport')).toHaveLength(1);
  });

  it('the header leads to the batch screen too, and a run goes on behind the settings page', async () => {
    const fake = new FakeBackend();
    fake.holdBatchAt = 2;
    const { user } = await previewed(fake);
    await start(user);
    await waitFor(() => expect(screen.getByTestId('batch-progress').getAttribute('aria-valuenow')).toBe('2'));
    await user.click(screen.getByTestId('nav-settings'));
    fake.holdBatchAt = null;
    fake.releaseBatch();
    await user.click(await screen.findByTestId('nav-batch'));
    await screen.findByTestId('batch-complete');
    expect(screen.getAllByTestId('batch-row')).toHaveLength(10);
  });

  it('proposes a report name from the orders file', () => {
    expect(reportName('/home/user/orders.CSV')).toBe('orders-report.csv');
    expect(reportName('C:\\Users\\me\\十一月订单.csv')).toBe('十一月订单-report.csv');
    expect(BATCH.run.rows).toHaveLength(10);
  });
});
