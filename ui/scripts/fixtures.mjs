// Regenerates the test fixtures from the real CLI's output, so the fake
// backend answers exactly what the Rust backend answers.
//   cargo build -p daozhang --no-default-features --features cli --bin daozhang
//   node ui/scripts/fixtures.mjs          (from the repository root or ui/)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'target/debug/daozhang');
const out = join(root, 'ui/src/lib/fixtures');
const env = { ...process.env, DAOZHANG_DATA_DIR: mkdtempSync(join(tmpdir(), 'dz-fixtures-')), NO_COLOR: '1' };
const run = (...args) => execFileSync(bin, args, { cwd: root, env, encoding: 'utf8' });
/** The JSON error a failing command prints on stderr. */
const fail = (...args) => {
  const r = spawnSync(bin, args, { cwd: root, env, encoding: 'utf8' });
  if (r.status === 0) throw new Error(`expected ${args.join(' ')} to fail`);
  return JSON.parse(r.stderr);
};
const json = (file, value) => writeFileSync(join(out, file), JSON.stringify(value, null, 2) + '\n');

const examples = {
  douyin: ['examples/douyin-dou-plus-alipay.toml', '2026-11-21 16:30'],
  live: ['examples/live-stream-wechat.toml', '2026-11-21 20:40'],
  cardshop: ['examples/card-shop-epay.toml', '2026-11-21 12:00'],
};
const extra = {
  pending: ['ui/src/lib/fixtures/cases/pending.toml', '2026-11-21 20:08'],
  unknown: ['ui/src/lib/fixtures/cases/unknown.toml', '2026-11-21 09:40'],
  refund: ['ui/src/lib/fixtures/cases/refund.toml', '2026-11-21 16:30'],
  problem: ['ui/src/lib/fixtures/cases/problem.toml', '2026-12-30 18:00'],
};
const audiences = ['platform_chat', 'platform_ticket', 'payment_provider', 'consumer_12315', 'heimao', 'card_issuer'];

for (const [name, [file, now]] of Object.entries({ ...examples, ...extra })) {
  json(`check-${name}.json`, JSON.parse(run('check', file, '--json', '--now', now)));
}
for (const [name, [file, now]] of Object.entries(examples)) {
  const all = {};
  for (const a of audiences) {
    for (const lang of ['zh-CN', 'en']) {
      all[`${a}:${lang}`] = JSON.parse(run('complaint', file, '--audience', a, '--lang', lang, '--json', '--now', now));
    }
  }
  json(`complaints-${name}.json`, all);
}
const ids = [
  '7439201234567890123', '2026112122001412341408157613', 'LS20261121200512345',
  '4200002345202611214567890123', 'K7M2Q9XW4T8B1N5D', '2026112110305512345',
  '2026112122001467891234560789', 'pi_3QabcdEFghIJklMN0a1b2c3d', '2027010122001412345678901234',
];

// ---- the user's own evidence, read against the DOU+ order as typed by hand
const tmp = mkdtempSync(join(tmpdir(), 'dz-evidence-'));
const typed = 'ui/src/lib/fixtures/cases/douyin-typed.toml';
run('case', 'import', typed);
const caseId = JSON.parse(run('case', 'list', '--json'))[0].id;
json('check-douyin-typed.json', JSON.parse(run('check', '--case', caseId, '--json', '--now', '2026-11-21 16:30')));

// An Alipay app export (GBK, 24 preamble lines): a lunch, the DOU+ payment
// (it carries the case's payment number), a second ¥200 to the same payee
// that only fits, and a shop purchase.
let bill = '------------------------------------------------------------------------------------\n';
bill += '导出信息：\n姓名：张三\n支付宝账户：zhang***@example.com\n';
bill += '起始时间：[2026-11-01 00:00:00]    终止时间：[2026-11-22 00:00:00]\n';
bill += '导出交易类型：[全部]\n导出时间：[2026-11-22 10:00:00]\n';
bill += '共4笔记录\n收入：0笔 0.00元\n支出：4笔 466.50元\n不计收支：0笔 0.00元\n\n特别提示：\n';
for (let i = 1; i <= 9; i++) bill += `${i}. 提示内容第${i}条；\n`;
bill += '\n------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------\n';
bill += '交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,\n';
bill += [
  '2026-11-20 12:01:33,餐饮美食,某某餐厅,/,午餐,支出,38.50,余额宝,交易成功,2026112022001412340000000001\t,T2026112000001\t,,',
  '2026-11-21 15:15:12,文化休闲,北京微播视界科技有限公司,dou***@bytedance.com,DOU+ 上热门,支出,200.00,交通银行信用卡(7449),交易成功,2026112122001412341408157613\t,7439201234567890123\t,,',
  '2026-11-21 15:42:08,充值缴费,北京微播视界科技有限公司,dou***@bytedance.com,抖币充值,支出,200.00,交通银行信用卡(7449),交易成功,2026112122001412341408159021\t,7439201234567899001\t,,',
  '2026-11-21 19:03:41,日用百货,某便利店,/,日用品,支出,28.00,余额,交易成功,2026112122001412340000000044\t,T2026112100044\t,,',
].join('\n') + '\n';
const billFile = join(tmp, 'alipay-bill.csv');
writeFileSync(billFile, execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: bill }));
const sms =
  '您尾号6789卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元，余额1,234.56元。【工商银行】\n' +
  '您尾号6789卡11月20日12:01消费支出38.50元，余额1,434.56元。【工商银行】\n';
const smsFile = join(tmp, 'sms.txt');
writeFileSync(smsFile, sms);
const receipt =
  '北京微播视界科技有限公司\n-200.00\n交易成功\n支付时间：2026-11-21 15:15:12\n付款方式：交通银行信用卡(7449)\n' +
  '商品说明：DOU+ 上热门\n收款方全称：北京微播视界科技有限公司\n交易号：2026112122001412341408157613\n商家订单号：7439201234567890123\n';
const receiptFile = join(tmp, 'receipt.txt');
writeFileSync(receiptFile, receipt);
const badFile = join(tmp, 'statement.pdf');
writeFileSync(badFile, '%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n');
const noteFile = join(tmp, 'note.txt');
writeFileSync(noteFile, '客服说再等等，明天再看看。\n');

const scan = (...args) => JSON.parse(run('evidence', 'import', ...args, '--case', caseId, '--dry-run', '--json')).scan;
json('evidence-bill.json', scan(billFile));
json('evidence-sms.json', { text: sms, scan: scan('--sms', smsFile) });
json('evidence-receipt.json', { text: receipt, scan: scan('--sms', receiptFile) });
json('evidence-errors.json', {
  file: fail('evidence', 'import', badFile, '--case', caseId, '--json'),
  text: fail('evidence', 'import', '--sms', noteFile, '--case', caseId, '--json'),
});
// Accepted: the bill's direct row, then the SMS; the timeline after.
run('evidence', 'import', billFile, '--case', caseId, '--json', '--now', '2026-11-21 16:30');
run('evidence', 'import', '--sms', smsFile, '--accept', '1', '--case', caseId, '--json', '--now', '2026-11-21 16:30');
json('check-douyin-evidence.json', JSON.parse(run('check', '--case', caseId, '--json', '--now', '2026-11-21 16:30')));

// The live sources' settings forms as `creds list` (= `list_sources`) shows
// them; values and the keychain's state are cleared (this machine may have a
// keychain, settings or DAOZHANG_* variables): the fake keeps its own.
json(
  'sources.json',
  JSON.parse(run('creds', 'list', '--json')).map((s) => ({
    ...s,
    ready: false,
    origin: null,
    problem: null,
    fields: s.fields.map((f) => ({ ...f, value: null, has_value: false, from_env: false })),
  })),
);

json('ids.json', Object.fromEntries(ids.map((id) => [id, JSON.parse(run('id', id, '--json'))])));
console.log(`fixtures written to ${out}`);
