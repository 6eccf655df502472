import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import ResultScreen from '../src/components/ResultScreen.svelte';
import { APP_KEY, AppState } from '$lib/app.svelte';
import { BACKEND_KEY } from '$lib/backend';
import type { CheckReport } from '$lib/bindings/CheckReport';
import { FakeBackend } from '$lib/fake-backend';
import { i18n } from '$lib/i18n.svelte';
import douyin from '$lib/fixtures/check-douyin.json';
import live from '$lib/fixtures/check-live.json';
import cardshop from '$lib/fixtures/check-cardshop.json';
import pending from '$lib/fixtures/check-pending.json';
import unknown from '$lib/fixtures/check-unknown.json';
import refund from '$lib/fixtures/check-refund.json';
import problem from '$lib/fixtures/check-problem.json';

function showResult(report: unknown) {
  const fake = new FakeBackend();
  const app = new AppState(fake);
  app.report = report as CheckReport;
  app.caseId = 'case-1';
  app.screen = 'result';
  render(ResultScreen, {
    context: new Map<symbol, unknown>([
      [APP_KEY, app],
      [BACKEND_KEY, fake],
    ]),
  });
  return { app, fake };
}

const stage = (s: string) => screen.getByTestId(`stage-${s}`);

describe('the result timeline', () => {
  it('draws the five stages in order', () => {
    showResult(douyin);
    const stages = within(screen.getByTestId('result'))
      .getAllByTestId(/^stage-/)
      .map((e) => e.dataset.testid);
    expect(stages, 'submitted → bank_processing → callback → credited, then the refund branch').toEqual([
      'stage-submitted',
      'stage-bank_processing',
      'stage-callback',
      'stage-credited',
      'stage-refund',
    ]);
  });

  it('shows done, overdue, failed and not applicable with icon, colour class and words', () => {
    showResult(douyin);
    expect(stage('submitted'), 'placed: done').toHaveAttribute('data-state', 'done');
    expect(stage('bank_processing'), 'Alipay says paid: done').toHaveAttribute('data-state', 'done');
    expect(stage('callback'), 'the platform has not acknowledged: overdue').toHaveAttribute('data-state', 'overdue');
    expect(stage('credited'), 'the platform says 支付失败: failed').toHaveAttribute('data-state', 'failed');
    expect(stage('refund'), 'no refund: not applicable').toHaveAttribute('data-state', 'not_applicable');
    expect(stage('callback'), 'the state in words, not colour alone').toHaveTextContent('Overdue');
    expect(stage('credited')).toHaveTextContent('Failed');
    expect(stage('refund')).toHaveTextContent('Not applicable');
    expect(stage('callback').querySelector('svg'), 'and an icon').not.toBeNull();
  });

  it('marks the broken link unmistakably, and only there', () => {
    showResult(douyin);
    expect(stage('callback'), 'callback is the broken link').toHaveAttribute('data-broken', 'true');
    expect(within(stage('callback')).getByTestId('broken-link'), 'with a visible tag').toHaveTextContent('Broken link');
    for (const s of ['submitted', 'bank_processing', 'credited', 'refund']) {
      expect(stage(s), `${s} is not the broken link`).toHaveAttribute('data-broken', 'false');
    }
    expect(screen.getAllByTestId('broken-link'), 'exactly one broken-link tag').toHaveLength(1);
  });

  it('says which source says so, quotes its raw words and labels inferred stages', () => {
    showResult(douyin);
    const bank = stage('bank_processing');
    expect(bank, 'the source named').toHaveTextContent('Source: Alipay');
    expect(bank.querySelector('q'), 'the raw words quoted').toHaveTextContent('交易成功');
    expect(bank, 'elapsed since the step before').toHaveTextContent('1 min after the step before');
    expect(bank, 'the normal window').toHaveTextContent('normally within 15 min');
    expect(stage('callback'), 'callback is deduced, and says so').toHaveTextContent('Inferred');
    expect(stage('callback'), 'overdue is highlighted in words').toHaveTextContent('Longer than normal');
    expect(stage('bank_processing'), 'a stated stage is not labelled inferred').not.toHaveTextContent('Inferred');
  });

  it('shows a failed callback for a lost notification', () => {
    showResult(cardshop);
    expect(stage('callback')).toHaveAttribute('data-state', 'failed');
    expect(stage('callback')).toHaveAttribute('data-broken', 'true');
    expect(stage('credited'), 'the shop order overdue').toHaveAttribute('data-state', 'overdue');
  });

  it('shows pending stages while still within the normal window, with no broken link', () => {
    showResult(pending);
    expect(stage('callback')).toHaveAttribute('data-state', 'pending');
    expect(stage('credited')).toHaveAttribute('data-state', 'pending');
    expect(stage('callback')).toHaveTextContent('Pending');
    expect(screen.queryAllByTestId('broken-link'), 'nothing broken yet').toHaveLength(0);
    expect(screen.queryByTestId('conflicts'), 'no conflict block without conflicts').toBeNull();
  });

  it('shows unknown stages when nobody has said anything', () => {
    showResult(unknown);
    expect(stage('bank_processing')).toHaveAttribute('data-state', 'unknown');
    expect(stage('bank_processing'), 'unknown in words').toHaveTextContent('Unknown');
    expect(document.body.textContent, 'no "null" or "undefined" on screen').not.toMatch(/\bnull\b|undefined|NaN/);
  });

  it('draws the refund branch when money is going back', () => {
    showResult(refund);
    expect(stage('refund')).toHaveAttribute('data-state', 'pending');
    expect(stage('refund')).toHaveAttribute('data-broken', 'true');
  });

  it('flags conflicting sources in a warning block', () => {
    showResult(douyin);
    const c = screen.getByTestId('conflicts');
    expect(c, 'the conflict message from the backend').toHaveTextContent(
      'Sources disagree: Alipay shows “交易成功”, but Douyin DOU+ shows “支付失败”',
    );
    expect(c).toHaveTextContent('The sources disagree');
  });

  it('shows the diagnosis and dated next steps with countdowns', () => {
    showResult(douyin);
    expect(screen.getByTestId('diagnosis-title')).toHaveTextContent('callback late');
    expect(screen.getByTestId('diagnosis-summary')).toHaveTextContent('¥200.00');
    const steps = within(screen.getByTestId('next-steps')).getAllByTestId('next-step');
    expect(steps.length, 'five steps').toBe(5);
    expect(steps[0], 'contact the platform: now').toHaveTextContent('Now');
    expect(steps[1], 'wait for the retry: tomorrow').toHaveTextContent('Tomorrow');
    expect(steps[3], 'escalate by 2026-11-25, in 4 days').toHaveTextContent('In 4 days');
    expect(steps[3]).toHaveTextContent('2026-11-25');
    expect(document.body.textContent, 'no raw codes on screen').not.toMatch(/callback_late|contact_by|consumer_?12315/);
  });

  it('says why a date is missing instead of guessing one', () => {
    showResult(problem);
    const steps = within(screen.getByTestId('next-steps')).getAllByTestId('next-step');
    const noDate = steps.find((s) => s.textContent?.includes('No date'));
    expect(noDate, 'the step without a date says so').toBeDefined();
    expect(noDate, 'with the backend reason').toHaveTextContent('Cannot count business days');
  });

  it('reads in Chinese in the Chinese UI', () => {
    i18n.reset('zh-CN');
    showResult(live);
    expect(stage('callback')).toHaveTextContent('断点');
    expect(stage('callback')).toHaveTextContent('已超时');
    expect(stage('callback')).toHaveTextContent('推断');
    expect(screen.getByTestId('diagnosis-title')).toHaveTextContent('回调延迟');
  });
});
