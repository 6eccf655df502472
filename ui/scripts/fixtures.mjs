// Regenerates the test fixtures from the real CLI's output, so the fake
// backend answers exactly what the Rust backend answers.
//   cargo build -p daozhang --no-default-features --bin daozhang
//   node ui/scripts/fixtures.mjs          (from the repository root or ui/)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'target/debug/daozhang');
const out = join(root, 'ui/src/lib/fixtures');
const env = { ...process.env, DAOZHANG_DATA_DIR: mkdtempSync(join(tmpdir(), 'dz-fixtures-')), NO_COLOR: '1' };
const run = (...args) => execFileSync(bin, args, { cwd: root, env, encoding: 'utf8' });
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
json('ids.json', Object.fromEntries(ids.map((id) => [id, JSON.parse(run('id', id, '--json'))])));
console.log(`fixtures written to ${out}`);
