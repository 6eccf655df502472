// The escalation ladder as the fake backend answers it: the rungs of the
// DOU+ example with its dates, statuses taken from the stored messages the
// way the Rust side does (closed > answered > sent), and the current rung.

import type { AudienceCode } from '$lib/labels';
import type { LadderView } from '$lib/bindings/LadderView';
import type { MessageRecord } from '$lib/bindings/MessageRecord';
import type { Rung } from '$lib/bindings/Rung';
import type { RungStatus } from '$lib/bindings/RungStatus';

const RUNGS: { audience: AudienceCode; step: number; zh: string; en: string; earliest: string; last: string | null }[] = [
  { audience: 'platform_chat', step: 1, zh: '平台在线客服', en: 'platform customer-service chat', earliest: '2026-11-21T15:25:12+08:00', last: null },
  { audience: 'platform_ticket', step: 2, zh: '平台工单 / 邮件', en: 'platform ticket / e-mail', earliest: '2026-11-23T23:59:59+08:00', last: null },
  { audience: 'payment_provider', step: 3, zh: '支付方客服', en: 'payment provider', earliest: '2026-11-26T23:59:59+08:00', last: null },
  { audience: 'consumer_12315', step: 4, zh: '12315 消费者投诉', en: '12315 consumer complaint', earliest: '2026-12-03T23:59:59+08:00', last: '2029-11-21T23:59:59+08:00' },
  { audience: 'heimao', step: 4, zh: '黑猫投诉', en: 'Heimao (Black Cat) complaint', earliest: '2026-12-03T23:59:59+08:00', last: null },
];

function statusOf(messages: MessageRecord[], audience: AudienceCode): RungStatus {
  const mine = messages.filter((m) => m.audience === audience);
  const latest = (kind: MessageRecord['kind']) =>
    mine
      .filter((m) => m.kind === kind && (kind !== 'complaint' || m.sent_at))
      .map((m) => ({ at: m.sent_at ?? m.at, text: m.text }))
      .sort((a, b) => a.at.localeCompare(b.at))
      .at(-1);
  const closed = latest('closed');
  if (closed) return { state: 'closed', at: closed.at, note: closed.text };
  const answered = latest('answer');
  if (answered) return { state: 'answered', at: answered.at };
  const sent = latest('complaint');
  if (sent) return { state: 'sent', at: sent.at };
  return { state: 'not_yet' };
}

export function fakeLadder(caseId: string, messages: MessageRecord[], now: string): LadderView {
  const rungs: Rung[] = RUNGS.map((r) => {
    const status = statusOf(messages, r.audience);
    const date = 'at' in status ? status.at.slice(0, 10) : '';
    const why =
      status.state === 'not_yet'
        ? { 'zh-CN': `最早 ${r.earliest.slice(0, 10)}。`, en: `From ${r.earliest.slice(0, 10)}.` }
        : status.state === 'sent'
          ? { 'zh-CN': `${date} 已发送，等待答复。`, en: `Sent on ${date}; waiting for the answer.` }
          : status.state === 'answered'
            ? { 'zh-CN': `${date} 已收到答复。`, en: `Answered on ${date}.` }
            : { 'zh-CN': `${date} 已结束。`, en: `Closed on ${date}.` };
    return {
      audience: r.audience,
      step: r.step,
      label: { 'zh-CN': r.zh, en: r.en },
      status,
      earliest: r.earliest,
      earliest_problem: null,
      last: r.last,
      last_passed: false,
      drafts: messages.filter((m) => m.audience === r.audience && m.kind === 'complaint' && !m.sent_at).length,
      why,
      current: false,
    };
  });
  const acted = rungs.filter((r) => r.status.state !== 'not_yet').map((r) => r.step);
  const target = acted.length ? Math.max(...acted) + 1 : 1;
  for (const r of rungs) if (r.step === target) r.current = true;
  return { case_id: caseId, now, settled: false, rungs, messages: structuredClone(messages) };
}
