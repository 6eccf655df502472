// A loopback WeChat Pay API v3 server whose cryptography is the
// `wechatpay-axios-plugin` SDK's own primitives (0.9.x: `Rsa`, `Formatter`,
// `Decorator`), not ours. Used by tests/tests/interop.rs to prove that
// Daozhang's `Authorization` header is what the SDK's signer makes, and that
// Daozhang accepts answers signed the way the SDK's verifier expects
// (shared/reference/providers.md §2.2–2.4).
//
// Configuration (environment; every *_FILE is a PEM file the test writes):
//   WECHATPAY_MCHID                      the merchant id expected
//   WECHATPAY_MERCHANT_SERIAL            the merchant certificate serial expected
//   WECHATPAY_MERCHANT_PUBLIC_KEY_FILE   verifies our request signature
//   WECHATPAY_PLATFORM_PRIVATE_KEY_FILE  signs the answers ("微信支付公钥" pair)
//   WECHATPAY_PLATFORM_KEY_ID            `Wechatpay-Serial` of the answers (PUB_KEY_ID_…)
//   WECHATPAY_PLATFORM_PUBLIC_KEY_FILE   optional: the SDK's client-side
//                                        verifier checks our own answers
//   INTEROP_ORDERS                       JSON array of Transaction objects
//   INTEROP_LIFETIME_SECONDS             exits after this long (default 120)
//
// Protocol: prints {"port":N} as the first stdout line; one JSON log line per
// request on stderr; GET /__results returns every request's verdict; exits
// when stdin closes.
//
// What the SDK offers, as read in node_modules/wechatpay-axios-plugin/lib (0.9.6):
// - `Formatter.request(method, uri, timestamp, nonce, body = '')` joins the
//   five pieces with `\n` and a trailing `\n` (§2.2); its own signer
//   (`Decorator.requestInterceptor`) passes `url.pathname + url.search`, the
//   path with the query, and for a GET `JSON.stringify(undefined)`, which
//   falls back to the empty body.
// - `Formatter.response(timestamp, nonce, body = '')` is the three-line
//   answer message (§2.4); `Rsa.sign`/`Rsa.verify` are SHA256withRSA base64.
// - `Formatter.authorization(...)` writes the items in the order mchid,
//   serial_no, timestamp, nonce_str, signature; Daozhang writes mchid,
//   nonce_str, timestamp, serial_no, signature. The order does not matter
//   (§2.2), but the SDK has NO parser for the header (it is a client), so the
//   header is parsed here, order-free.
// - Its response verifier (`Decorator.responseVerifier`) skips every non-2xx
//   answer, allows 300 s of clock skew and looks the key up by the exact
//   `Wechatpay-Serial`; it is run here on our own answers as a self-check.

import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { Rsa, Formatter, Decorator } = require('wechatpay-axios-plugin');

const env = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    console.error(`wechatpay-server: ${name} is not set`);
    process.exit(2);
  }
  return v;
};

const MCHID = env('WECHATPAY_MCHID');
const MERCHANT_SERIAL = env('WECHATPAY_MERCHANT_SERIAL');
// `file://` is the SDK's own way of loading a key from a file.
const merchantPublicKey = Rsa.from(`file://${env('WECHATPAY_MERCHANT_PUBLIC_KEY_FILE')}`, Rsa.KEY_TYPE_PUBLIC);
const platformPrivateKey = Rsa.from(`file://${env('WECHATPAY_PLATFORM_PRIVATE_KEY_FILE')}`, Rsa.KEY_TYPE_PRIVATE);
const PLATFORM_KEY_ID = env('WECHATPAY_PLATFORM_KEY_ID');
const platformPublicPath = process.env.WECHATPAY_PLATFORM_PUBLIC_KEY_FILE;
const orders = JSON.parse(env('INTEROP_ORDERS', '[]'));
const lifetime = Number(env('INTEROP_LIFETIME_SECONDS', '120'));
const MAX_SKEW = 300;

// The SDK's client-side answer verifier, trusting what Daozhang trusts.
const clientVerifier = platformPublicPath
  ? Decorator.responseVerifier({
    [PLATFORM_KEY_ID]: Rsa.from(readFileSync(platformPublicPath, 'utf8'), Rsa.KEY_TYPE_PUBLIC),
  })
  : null;

const results = [];

function log(entry) {
  results.push(entry);
  console.error(JSON.stringify({ server: 'wechatpay', ...entry }));
}

/** `WECHATPAY2-SHA256-RSA2048 k="v",…` → {k: v}, in any order. */
function parseAuthorization(header) {
  if (typeof header !== 'string') return null;
  const m = /^\s*WECHATPAY2-SHA256-RSA2048\s+(.*)$/.exec(header);
  if (!m) return null;
  const out = {};
  for (const item of m[1].matchAll(/([a-z_]+)="([^"]*)"/g)) out[item[1]] = item[2];
  return out;
}

/** Checks our request's signature with the SDK's code (see the header). */
function checkRequest(req, body) {
  const auth = parseAuthorization(req.headers.authorization);
  const check = {
    authorization_present: auth !== null,
    mchid_ok: auth?.mchid === MCHID,
    serial_ok: auth?.serial_no === MERCHANT_SERIAL,
  };
  if (!auth || !auth.signature || !auth.timestamp || !auth.nonce_str) {
    return { ...check, verified: false };
  }
  // The URL as sent (path + query), and as the SDK's signer would write it.
  const uri = req.url;
  const parsed = new URL(req.url, 'http://127.0.0.1');
  check.uri_same_as_sdk_url = `${parsed.pathname}${parsed.search}` === uri;
  const message = Formatter.request(req.method, uri, auth.timestamp, auth.nonce_str, body);
  check.signature_ok = Rsa.verify(message, auth.signature, merchantPublicKey);
  check.skew_seconds = Math.abs(Formatter.timestamp() - Number(auth.timestamp));
  check.timestamp_ok = Number.isFinite(check.skew_seconds) && check.skew_seconds <= MAX_SKEW;
  // Re-writing the parsed items with the SDK's formatter gives the same items.
  const again = parseAuthorization(
    Formatter.authorization(auth.mchid, auth.nonce_str, auth.signature, auth.timestamp, auth.serial_no),
  );
  check.sdk_authorization_roundtrip = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no']
    .every((k) => again[k] === auth[k]);
  check.verified = check.mchid_ok && check.serial_ok && check.signature_ok && check.timestamp_ok;
  return check;
}

/** Sends `body` signed with the SDK (Formatter.response + Rsa.sign). */
function reply(res, status, payload, pathname) {
  const body = JSON.stringify(payload);
  const timestamp = `${Formatter.timestamp()}`;
  const nonce = Formatter.nonce();
  const signature = Rsa.sign(Formatter.response(timestamp, nonce, body), platformPrivateKey);
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'request-id': `08${Formatter.nonce(30)}`,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': PLATFORM_KEY_ID,
    'wechatpay-signature': signature,
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    'wechatpay-timestamp': timestamp,
  };
  let sdkClientAccepts = null;
  if (clientVerifier && status >= 200 && status < 300) {
    const out = clientVerifier.call(
      { url: pathname, validateStatus: (s) => s >= 200 && s < 300 },
      body,
      headers,
      status,
    );
    sdkClientAccepts = out === body;
  }
  res.writeHead(status, headers);
  res.end(body);
  return sdkClientAccepts;
}

const ROUTE = /^\/v3\/pay\/transactions\/(id|out-trade-no)\/([^/?]+)$/;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/__results') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(results));
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const check = checkRequest(req, body);
    const entry = { method: req.method, uri: req.url, ...check };
    if (!check.verified) {
      const accepted = reply(res, 401, {
        code: 'SIGN_ERROR',
        message: '签名错误，请检查后再试',
      }, url.pathname);
      log({ ...entry, answer: 401, sdk_client_accepts_answer: accepted });
      return;
    }
    const route = ROUTE.exec(url.pathname);
    if (req.method !== 'GET' || !route) {
      const accepted = reply(res, 404, { code: 'NOT_FOUND', message: '请求的资源不存在' }, url.pathname);
      log({ ...entry, answer: 404, sdk_client_accepts_answer: accepted });
      return;
    }
    if (url.searchParams.get('mchid') !== MCHID) {
      const accepted = reply(res, 400, { code: 'PARAM_ERROR', message: 'mchid 与请求方不一致' }, url.pathname);
      log({ ...entry, answer: 400, sdk_client_accepts_answer: accepted });
      return;
    }
    const id = decodeURIComponent(route[2]);
    const order = orders.find((o) => (route[1] === 'id' ? o.transaction_id === id : o.out_trade_no === id));
    if (!order) {
      const accepted = reply(res, 404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' }, url.pathname);
      log({ ...entry, answer: 404, sdk_client_accepts_answer: accepted });
      return;
    }
    const accepted = reply(res, 200, { mchid: MCHID, ...order }, url.pathname);
    log({ ...entry, answer: 200, sdk_client_accepts_answer: accepted });
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

const stop = () => process.exit(0);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
setTimeout(() => {
  console.error(`wechatpay-server: lifetime of ${lifetime} s is over`);
  process.exit(0);
}, lifetime * 1000).unref();
