// A loopback Alipay OpenAPI v2 gateway whose cryptography is the official
// Node SDK's own code (`alipay-sdk` 4.x), not ours. Used by
// tests/tests/interop.rs to prove that Daozhang's requests are signed the way
// Alipay's SDK signs them, and that Daozhang accepts answers signed the way
// Alipay signs them (shared/reference/providers.md §1.3–1.5).
//
// Configuration (environment; every *_FILE is a PEM file the test writes):
//   ALIPAY_APP_ID                 the app id the gateway expects
//   ALIPAY_APP_PUBLIC_KEY_FILE    verifies our request `sign` ("应用公钥")
//   ALIPAY_APP_PRIVATE_KEY_FILE   lets the SDK's `sign()` recompute our
//                                 signature (PKCS#1 v1.5 is deterministic)
//   ALIPAY_PRIVATE_KEY_FILE       signs the answers ("支付宝私钥")
//   ALIPAY_PUBLIC_KEY_FILE        optional: the SDK's client-side check of
//                                 our own answers (`checkResponseSign`)
//   INTEROP_ORDERS                JSON array of trades to answer
//   INTEROP_LIFETIME_SECONDS      exits after this long (default 120)
//
// Protocol: prints {"port":N} as the first stdout line; one JSON log line per
// request on stderr; GET /__results returns every request's verdict; exits
// when stdin closes.
//
// What the SDK does, as read in node_modules/alipay-sdk/src (4.14.0):
// - `util.sign(method, params, config)` builds the request map from config
//   (app_id, charset, version, sign_type, a fresh timestamp) plus params,
//   snake-cases the keys, JSON-stringifies `biz_content`, sorts and joins
//   `k=v&…` unencoded — WITH `sign_type` (the request rule of §1.3). It does
//   not drop empty values (providers.md says empties are dropped; Daozhang
//   never sends one, so the two agree on every request we make). Its
//   timestamp is the host's local time, not Beijing time.
// - `util.sign` is not reachable through the package's `exports` map (only
//   "." is exported), so it is imported from the file next to the entry.
// - The SDK has no request verifier. `AlipaySdk#checkNotifySign(V2)` verifies
//   a parameter map with `sign_type` kept first and, failing that, again
//   without it (it merges rsaCheckV1/V2 "for historical reasons"), so it
//   accepts both the request rule and the notify rule (§1.7) and cannot tell
//   them apart. This gateway therefore also runs the SDK's own string builder
//   (`notifyRSACheck`, raw values) once per rule and requires the request
//   rule.
// - The SDK has no helper to sign a response (it is a client). The answer
//   node is signed with `util.signatureV3`, the SDK's generic
//   SHA256withRSA/base64 signer, over the node's exact text (§1.5).
// - Its client extracts the signed node by string slicing (`getSignStr`:
//   from `<method>_response"` to the LAST `"sign"`), so `sign` must come after
//   the node, as the real gateway sends it.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';

const util = await import(new URL('./util.js', import.meta.resolve('alipay-sdk')).href);
const { sign: sdkSign, signatureV3 } = util;

const env = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    console.error(`alipay-gateway: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const pem = (name) => readFileSync(env(name), 'utf8');
const optionalPem = (name) => (process.env[name] ? readFileSync(process.env[name], 'utf8') : null);

const APP_ID = env('ALIPAY_APP_ID');
const appPublicKey = pem('ALIPAY_APP_PUBLIC_KEY_FILE');
const appPrivateKey = pem('ALIPAY_APP_PRIVATE_KEY_FILE');
const alipayPrivateKey = pem('ALIPAY_PRIVATE_KEY_FILE');
const alipayPublicKey = optionalPem('ALIPAY_PUBLIC_KEY_FILE');
const orders = JSON.parse(env('INTEROP_ORDERS', '[]'));
const lifetime = Number(env('INTEROP_LIFETIME_SECONDS', '120'));

// The SDK as the gateway's verifier: its `alipayPublicKey` is the APP public
// key, so `checkNotifySignV2`/`rsaCheck` check OUR signatures with it.
const requestVerifier = new AlipaySdk({
  appId: APP_ID,
  privateKey: appPrivateKey,
  keyType: 'PKCS8',
  alipayPublicKey: appPublicKey,
});
// The SDK as a merchant would run it, to check our answers the way a real
// client does (only when the test tells us the key that client trusts).
const clientSdk = alipayPublicKey
  ? new AlipaySdk({ appId: APP_ID, privateKey: appPrivateKey, keyType: 'PKCS8', alipayPublicKey })
  : null;

const results = [];

function log(entry) {
  results.push(entry);
  console.error(JSON.stringify({ server: 'alipay', ...entry }));
}

/** Every parameter of the request: the query string, then the form body. */
function params(url, body) {
  const out = {};
  for (const [k, v] of url.searchParams) out[k] = v;
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/** Checks our request's `sign` with the SDK's code (see the header). */
function checkRequest(p) {
  const check = {
    sign_present: typeof p.sign === 'string' && p.sign.length > 0,
    app_id_ok: p.app_id === APP_ID,
    sign_type: p.sign_type ?? null,
  };
  if (!check.sign_present) return { ...check, verified: false };

  // 1. Recompute with the SDK's request signer over the same parameters.
  let bizContent;
  try {
    bizContent = p.biz_content === undefined ? undefined : JSON.parse(p.biz_content);
  } catch {
    bizContent = undefined;
  }
  const extra = {};
  for (const [k, v] of Object.entries(p)) {
    if (!['sign', 'biz_content', 'app_id', 'method', 'charset', 'version', 'sign_type'].includes(k)) {
      extra[k] = v; // timestamp, format, … override the SDK's own
    }
  }
  if (bizContent !== undefined) extra.bizContent = bizContent;
  let recomputed = null;
  try {
    const signed = sdkSign(p.method, extra, {
      appId: APP_ID,
      privateKey: appPrivateKey,
      signType: p.sign_type === 'RSA' ? 'RSA' : 'RSA2',
      charset: p.charset ?? 'utf-8',
      version: p.version ?? '1.0',
    }, { bizContentAutoSnakeCase: false });
    recomputed = signed.sign;
    // The SDK re-serialises biz_content; note if that changed its text.
    check.biz_content_same_after_sdk_serialisation = signed.biz_content === p.biz_content;
    check.sdk_signed_keys = Object.keys(signed).filter((k) => k !== 'sign').sort();
  } catch (e) {
    check.sdk_sign_error = String(e?.message ?? e);
  }
  check.recomputed_equal = recomputed !== null && recomputed === p.sign;

  // 2. Verify with the app PUBLIC key, the way a gateway would.
  const signType = p.sign_type || 'RSA2';
  const withSignType = { ...p };
  delete withSignType.sign;
  const withoutSignType = { ...withSignType };
  delete withoutSignType.sign_type;
  check.verifies_request_rule = requestVerifier.notifyRSACheck(withSignType, p.sign, signType, true);
  check.verifies_notify_rule = requestVerifier.notifyRSACheck(withoutSignType, p.sign, signType, true);
  check.sdk_check_notify_sign_v2 = requestVerifier.checkNotifySignV2({ ...p });

  check.verified = check.app_id_ok
    && signType === 'RSA2'
    && check.recomputed_equal
    && check.verifies_request_rule;
  return check;
}

/** The unsigned gateway refusal Alipay sends for a bad signature (§1.4). */
function invalidSignature(p) {
  const rest = { ...p };
  delete rest.sign;
  const text = Object.keys(rest).sort().map((k) => `${k}=${rest[k]}`).join('&');
  return JSON.stringify({
    error_response: {
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-signature',
      sub_msg: `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${text}`,
    },
  });
}

function gatewayError(code, subCode, subMsg, msg = 'Invalid Arguments') {
  return JSON.stringify({ error_response: { code, msg, sub_code: subCode, sub_msg: subMsg } });
}

function findTrade(biz) {
  return orders.find((o) => (biz.trade_no ? o.trade_no === biz.trade_no : o.out_trade_no === biz.out_trade_no));
}

/** The `<method>_response` node's text, exactly as it will be sent. */
function answerNode(method, biz) {
  const t = findTrade(biz);
  if (method === 'alipay.trade.query') {
    if (!t) {
      return JSON.stringify({
        code: '40004',
        msg: 'Business Failed',
        sub_code: 'ACQ.TRADE_NOT_EXIST',
        sub_msg: '交易不存在',
        buyer_pay_amount: '0.00',
        invoice_amount: '0.00',
        out_trade_no: biz.out_trade_no ?? '',
        point_amount: '0.00',
        receipt_amount: '0.00',
      });
    }
    const node = {
      code: '10000',
      msg: 'Success',
      buyer_logon_id: 'cre***@163.com',
      buyer_pay_amount: t.amount,
      buyer_user_id: '2088102177846880',
      invoice_amount: t.amount,
      out_trade_no: t.out_trade_no,
      point_amount: '0.00',
      receipt_amount: t.amount,
      total_amount: t.amount,
      trade_no: t.trade_no,
      trade_status: t.status,
    };
    if (t.paid_at) node.send_pay_date = t.paid_at;
    return JSON.stringify(node);
  }
  // alipay.trade.fastpay.refund.query: no refund recorded.
  return JSON.stringify({
    code: '10000',
    msg: 'Success',
    out_request_no: biz.out_request_no ?? '',
    out_trade_no: t?.out_trade_no ?? biz.out_trade_no ?? '',
    trade_no: t?.trade_no ?? biz.trade_no ?? '',
  });
}

function send(res, body) {
  res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
  res.end(body);
}

const METHODS = ['alipay.trade.query', 'alipay.trade.fastpay.refund.query'];

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
    if (req.method !== 'POST' || url.pathname !== '/gateway.do') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const p = params(url, Buffer.concat(chunks).toString('utf8'));
    const check = checkRequest(p);
    const entry = { method: p.method ?? null, ...check };
    if (!check.sign_present) {
      log({ ...entry, answer: 'isv.missing-signature' });
      send(res, gatewayError('40001', 'isv.missing-signature', '缺少签名参数', 'Missing Required Arguments'));
      return;
    }
    if (!check.app_id_ok) {
      log({ ...entry, answer: 'isv.invalid-app-id' });
      send(res, gatewayError('40002', 'isv.invalid-app-id', '无效的AppID参数'));
      return;
    }
    if (!METHODS.includes(p.method)) {
      log({ ...entry, answer: 'isv.invalid-method' });
      send(res, gatewayError('40002', 'isv.invalid-method', '不存在的方法名'));
      return;
    }
    if (!check.verified) {
      log({ ...entry, answer: 'isv.invalid-signature' });
      send(res, invalidSignature(p));
      return;
    }
    let biz = {};
    try {
      biz = JSON.parse(p.biz_content ?? '{}');
    } catch {
      biz = {};
    }
    const responseKey = `${p.method.replaceAll('.', '_')}_response`;
    const node = answerNode(p.method, biz);
    const signature = signatureV3(node, alipayPrivateKey);
    const body = `{"${responseKey}":${node},"sign":"${signature}"}`;
    let sdkClientAccepts = null;
    if (clientSdk) {
      try {
        clientSdk.checkResponseSign(body, responseKey, signature, 'interop');
        sdkClientAccepts = true;
      } catch {
        sdkClientAccepts = false;
      }
    }
    log({ ...entry, answer: JSON.parse(node).code, sdk_client_accepts_answer: sdkClientAccepts });
    send(res, body);
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
  console.error(`alipay-gateway: lifetime of ${lifetime} s is over`);
  process.exit(0);
}, lifetime * 1000).unref();
