import { describe, expect, it } from 'vitest';
import type { CheckReport } from '$lib/bindings/CheckReport';
import { DOUYIN, EXAMPLES } from '$lib/examples';
import { BATCH, EXPECTED, FakeBackend, RECORDED_FIELD_ERRORS, summarize, validateRaw } from '$lib/fake-backend';
import { STAGES } from '$lib/labels';

const reports = import.meta.glob<CheckReport>('../src/lib/fixtures/check-*.json', { eager: true, import: 'default' });

describe('fixtures', () => {
  it('are check reports of version 1 with the five stages in order', () => {
    expect(Object.keys(reports).length, 'nine reports').toBe(9);
    for (const [file, r] of Object.entries(reports)) {
      expect(r.version, file).toBe(1);
      expect(r.timeline.stages.map((s) => s.stage), file).toEqual(STAGES);
      expect(typeof r.diagnosis.title.en, file).toBe('string');
      expect(typeof r.diagnosis.title['zh-CN'], file).toBe('string');
    }
  });

  it('cover every stage state', () => {
    const states = new Set(Object.values(reports).flatMap((r) => r.timeline.stages.map((s) => s.state)));
    expect([...states].sort()).toEqual(['done', 'failed', 'not_applicable', 'overdue', 'pending', 'unknown']);
  });

  it('the examples validate', () => {
    for (const e of EXAMPLES) expect(validateRaw(e.raw), e.id).toEqual([]);
  });
});

const scans = import.meta.glob<unknown>('../src/lib/fixtures/evidence-*.json', { eager: true, import: 'default' });

describe('evidence fixtures', () => {
  it('are the backend’s scans and errors', () => {
    const bill = scans['../src/lib/fixtures/evidence-bill.json'] as { format: string; candidates: { direct: boolean }[] };
    expect(bill.format).toBe('alipay_app');
    expect(bill.candidates.map((c) => c.direct), 'one direct, one ranked').toEqual([true, false]);
    const errors = scans['../src/lib/fixtures/evidence-errors.json'] as Record<string, { code: string; details: { text: { en: string } } }>;
    for (const [name, e] of Object.entries(errors)) {
      expect(e.code, name).toBe(name.includes('password') ? 'password' : 'unreadable_evidence');
      expect(e.details.text.en.length).toBeGreaterThan(20);
    }
  });
});

describe('the fake backend', () => {
  it('answers the form with the validator’s recorded words, which its own texts agree with', () => {
    expect(RECORDED_FIELD_ERRORS.map((e) => [e.field, e.given])).toEqual([
      ['amount', 'two hundred'],
      ['submitted_at', 'yesterday'],
    ]);
    const [amount, time] = RECORDED_FIELD_ERRORS;
    expect(amount.expected.startsWith(`${EXPECTED.amount} (this one `), amount.expected).toBe(true);
    expect(time.expected).toBe(EXPECTED.submitted_at);
    const errors = validateRaw({ ...DOUYIN.raw, amount: 'two hundred', submitted_at: 'yesterday' });
    expect(errors, 'the recorded answers, word for word').toEqual(expect.arrayContaining(RECORDED_FIELD_ERRORS));
  });

  it('answers a whole batch run with the recorded summary, which its own tally agrees with', async () => {
    const fake = new FakeBackend();
    const run = await fake.batchRun('/home/user/orders.csv', '/home/user/report.csv', {
      concurrency: 4,
      resume: false,
      offline: true,
    });
    expect(run.summary).toEqual(BATCH.run.summary);
    expect(run.rows).toEqual(BATCH.run.rows);
    expect(summarize(BATCH.run.rows, BATCH.run.summary.total), 'the tally used for a run cut short').toEqual(
      BATCH.run.summary,
    );
  });
});
