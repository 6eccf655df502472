//! The fakes against tiny reference clients written from providers.md, not
//! from the fakes' own code: request signers (§1.3, §2.2) and response
//! verifiers (§1.5, §2.4) that load the PEMs the fakes hand out.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::*;

// ---------------------------------------------------------------- helpers

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// SHA256withRSA, base64, with a PKCS#8 PEM private key.
fn rsa2_sign(private_pem: &str, message: &str) -> String {
    let key = RsaPrivateKey::from_pkcs8_pem(private_pem).expect("PKCS#8 PEM");
    let digest = Sha256::digest(message.as_bytes());
    let sig = key
        .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
        .expect("sign");
    STANDARD.encode(sig)
}

/// SHA256withRSA verification with an SPKI PEM public key.
fn rsa2_verify(public_pem: &str, message: &str, signature_b64: &str) -> bool {
    let key = RsaPublicKey::from_public_key_pem(public_pem).expect("SPKI PEM");
    let Ok(sig) = STANDARD.decode(signature_b64) else {
        return false;
    };
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(message.as_bytes()),
        &sig,
    )
    .is_ok()
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

fn reply(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.expect("an HTTP answer");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body_mut().read_to_string().expect("body");
    Reply {
        status,
        headers,
        body,
    }
}

// ---------------------------------------------------------------- Alipay

const ALIPAY_TRADE: &str = "2026112122001412341408157613";
const ALIPAY_ORDER: &str = "7439201234567890123";

fn alipay_with_order() -> FakeAlipay {
    let fake = FakeAlipay::start();
    fake.add_order(AlipayOrder {
        trade_no: ALIPAY_TRADE.into(),
        out_trade_no: ALIPAY_ORDER.into(),
        amount: "200.00".into(),
        status: "TRADE_SUCCESS".into(),
        paid_at: Some("2026-11-21 15:15:12".into()),
        refund: Some(AlipayRefund {
            out_request_no: "RF7439201234567890123".into(),
            refund_amount: "200.00".into(),
            refund_status: Some("REFUND_SUCCESS".into()),
            gmt_refund_pay: Some("2026-11-22 10:00:01".into()),
        }),
    });
    fake
}

/// The §1.2 common parameters plus `biz_content`, signed per §1.3 with
/// `private_pem`. `sign_type_signed` = false reproduces the MAPI mistake of
/// leaving `sign_type` out of the signed string.
fn alipay_params(
    app_id: &str,
    method: &str,
    biz: &Value,
    private_pem: &str,
    sign_type_signed: bool,
) -> Vec<(String, String)> {
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    params.insert("app_id".into(), app_id.into());
    params.insert("method".into(), method.into());
    params.insert("format".into(), "JSON".into());
    params.insert("charset".into(), "utf-8".into());
    params.insert("sign_type".into(), "RSA2".into());
    params.insert("timestamp".into(), "2026-11-22 10:30:00".into());
    params.insert("version".into(), "1.0".into());
    params.insert("biz_content".into(), biz.to_string());
    params.insert("notify_url".into(), String::new()); // empty: not signed
    let to_sign = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && (sign_type_signed || k.as_str() != "sign_type"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let sign = rsa2_sign(private_pem, &to_sign);
    let mut out: Vec<_> = params.into_iter().collect();
    out.push(("sign".into(), sign));
    out
}

fn form(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

fn alipay_post(fake: &FakeAlipay, params: &[(String, String)]) -> Reply {
    reply(
        agent(Duration::from_secs(20))
            .post(fake.base_url())
            .header(
                "Content-Type",
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .send(form(params)),
    )
}

fn trade_query(fake: &FakeAlipay, biz: Value) -> Reply {
    let params = alipay_params(
        fake.app_id(),
        "alipay.trade.query",
        &biz,
        fake.app_private_key_pem(),
        true,
    );
    alipay_post(fake, &params)
}

/// The raw text of `"<key>": {…}` in `body`, from `{` to its matching `}`
/// (§1.5, as fzlee's `_get_string_to_be_signed` finds it).
fn raw_node<'a>(body: &'a str, key: &str) -> &'a str {
    let start = body.find(&format!("\"{key}\"")).expect("node key") + key.len() + 2;
    let open = start + body[start..].find('{').expect("node object");
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in body[open..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &body[open..=open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced node in {body}");
}

/// Verifies an Alipay answer's `sign` over the raw node (§1.5).
fn alipay_answer_verifies(fake: &FakeAlipay, reply: &Reply, node_key: &str) -> bool {
    let sign = reply.json()["sign"].as_str().expect("sign").to_owned();
    rsa2_verify(
        fake.alipay_public_key_pem(),
        raw_node(&reply.body, node_key),
        &sign,
    )
}

#[test]
fn fakes_alipay_verifies_signed_query_and_signs_its_answer() {
    let fake = alipay_with_order();
    let reply = trade_query(&fake, json!({ "trade_no": ALIPAY_TRADE }));
    assert_eq!(reply.status, 200);
    let node = &reply.json()["alipay_trade_query_response"];
    assert_eq!(node["code"], "10000");
    assert_eq!(node["trade_status"], "TRADE_SUCCESS");
    assert_eq!(node["total_amount"], "200.00");
    assert_eq!(node["buyer_pay_amount"], "200.00");
    assert_eq!(node["send_pay_date"], "2026-11-21 15:15:12");
    assert_eq!(node["out_trade_no"], ALIPAY_ORDER);
    assert!(alipay_answer_verifies(
        &fake,
        &reply,
        "alipay_trade_query_response"
    ));
    // The signed text is the raw node, not a re-serialisation of it.
    let reserialised = node.to_string();
    let sign = reply.json()["sign"].as_str().unwrap().to_owned();
    assert!(!rsa2_verify(
        fake.alipay_public_key_pem(),
        &reserialised,
        &sign
    ));
    // Nor does the app key verify it (different roles, different keys).
    assert!(!rsa2_verify(
        fake.app_public_key_pem(),
        raw_node(&reply.body, "alipay_trade_query_response"),
        &sign
    ));

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].signature_valid);
    assert!(requests[0].accepted());
    assert!(requests[0].signed_text.contains("sign_type=RSA2"));
    assert!(!requests[0].signed_text.contains("notify_url"));

    // By out_trade_no too; and trade_no wins over out_trade_no.
    let by_out = trade_query(&fake, json!({ "out_trade_no": ALIPAY_ORDER }));
    assert_eq!(
        by_out.json()["alipay_trade_query_response"]["trade_no"],
        ALIPAY_TRADE
    );
    let both = trade_query(
        &fake,
        json!({ "trade_no": "2026112122001499999999999999", "out_trade_no": ALIPAY_ORDER }),
    );
    assert_eq!(
        both.json()["alipay_trade_query_response"]["sub_code"],
        "ACQ.TRADE_NOT_EXIST"
    );
}

#[test]
fn fakes_alipay_accepts_parameters_in_the_query_string() {
    let fake = alipay_with_order();
    let params = alipay_params(
        fake.app_id(),
        "alipay.trade.query",
        &json!({ "out_trade_no": ALIPAY_ORDER }),
        fake.app_private_key_pem(),
        true,
    );
    let url = format!("{}?{}", fake.base_url(), form(&params));
    let reply = reply(agent(Duration::from_secs(20)).get(&url).call());
    assert_eq!(
        reply.json()["alipay_trade_query_response"]["code"],
        "10000",
        "{}",
        reply.body
    );
    assert!(fake.requests()[0].signature_valid);
}

#[test]
fn fakes_alipay_rejects_wrong_signatures_and_app_ids() {
    let fake = alipay_with_order();
    let biz = json!({ "trade_no": ALIPAY_TRADE });
    let keys = TestKeys::shared();
    let cases = [
        // Signed with a key the fake does not know.
        (
            alipay_params(
                fake.app_id(),
                "alipay.trade.query",
                &biz,
                keys.other.private_key_pem(),
                true,
            ),
            "isv.invalid-signature",
        ),
        // Right key, but sign_type left out of the signed string (MAPI).
        (
            alipay_params(
                fake.app_id(),
                "alipay.trade.query",
                &biz,
                fake.app_private_key_pem(),
                false,
            ),
            "isv.invalid-signature",
        ),
        // Correctly signed, wrong app_id.
        (
            alipay_params(
                "2021000000000000",
                "alipay.trade.query",
                &biz,
                fake.app_private_key_pem(),
                true,
            ),
            "isv.invalid-app-id",
        ),
    ];
    for (params, sub_code) in cases {
        let reply = alipay_post(&fake, &params);
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(
            body["error_response"]["sub_code"], sub_code,
            "{}",
            reply.body
        );
        assert_eq!(body["error_response"]["code"], "40002");
        assert!(body.get("sign").is_none(), "error_response is unsigned");
    }
    let requests = fake.requests();
    assert_eq!(
        requests
            .iter()
            .map(|r| r.signature_valid)
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    assert!(requests.iter().all(|r| !r.accepted()));

    fake.set(AlipayScenario::AuthFailure);
    let reply = trade_query(&fake, biz);
    assert_eq!(
        reply.json()["error_response"]["sub_code"],
        "isv.invalid-signature"
    );
    assert!(fake.requests()[3].signature_valid, "it was signed right");
}

#[test]
fn fakes_alipay_not_found_and_refund_query() {
    let fake = alipay_with_order();
    let reply = trade_query(&fake, json!({ "out_trade_no": "nope" }));
    let node = &reply.json()["alipay_trade_query_response"];
    assert_eq!(node["code"], "40004");
    assert_eq!(node["sub_code"], "ACQ.TRADE_NOT_EXIST");
    assert!(alipay_answer_verifies(
        &fake,
        &reply,
        "alipay_trade_query_response"
    ));

    fake.set(AlipayScenario::NotFound);
    let reply = trade_query(&fake, json!({ "trade_no": ALIPAY_TRADE }));
    assert_eq!(
        reply.json()["alipay_trade_query_response"]["sub_code"],
        "ACQ.TRADE_NOT_EXIST"
    );
    fake.set(AlipayScenario::Normal);

    let key = "alipay_trade_fastpay_refund_query_response";
    let refund = |out_request_no: Option<&str>| {
        let mut biz = json!({ "trade_no": ALIPAY_TRADE });
        if let Some(no) = out_request_no {
            biz["out_request_no"] = json!(no);
        }
        let params = alipay_params(
            fake.app_id(),
            "alipay.trade.fastpay.refund.query",
            &biz,
            fake.app_private_key_pem(),
            true,
        );
        alipay_post(&fake, &params)
    };
    let reply = refund(Some("RF7439201234567890123"));
    let node = &reply.json()[key];
    assert_eq!(node["code"], "10000");
    assert_eq!(node["refund_status"], "REFUND_SUCCESS");
    assert_eq!(node["refund_amount"], "200.00");
    assert_eq!(node["gmt_refund_pay"], "2026-11-22 10:00:01");
    assert!(alipay_answer_verifies(&fake, &reply, key));

    let reply = refund(Some("RF-other"));
    let node = &reply.json()[key];
    assert_eq!(node["code"], "10000");
    assert!(node.get("refund_status").is_none());

    let reply = refund(None);
    assert_eq!(reply.json()[key]["sub_code"], "ACQ.INVALID_PARAMETER");
}

#[test]
fn fakes_alipay_scenarios() {
    let fake = alipay_with_order();
    let biz = json!({ "trade_no": ALIPAY_TRADE });
    let node_key = "alipay_trade_query_response";

    fake.set(AlipayScenario::ServerErrorThen(2));
    let statuses: Vec<u16> = (0..3)
        .map(|_| trade_query(&fake, biz.clone()).status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);

    fake.set(AlipayScenario::TooManyThen {
        n: 1,
        retry_after_secs: 7,
    });
    let first = trade_query(&fake, biz.clone());
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("7"));
    assert_eq!(trade_query(&fake, biz.clone()).status, 200);
    assert_eq!(fake.request_count(), 5);

    fake.set(AlipayScenario::Malformed);
    let reply = trade_query(&fake, biz.clone());
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_str::<Value>(&reply.body).is_err());

    fake.set(AlipayScenario::BadSignature);
    let reply = trade_query(&fake, biz.clone());
    assert_eq!(reply.json()[node_key]["code"], "10000");
    assert!(!alipay_answer_verifies(&fake, &reply, node_key));

    fake.set(AlipayScenario::WrongAmount);
    let reply = trade_query(&fake, biz.clone());
    assert_eq!(reply.json()[node_key]["total_amount"], "201.00");
    assert!(alipay_answer_verifies(&fake, &reply, node_key));

    fake.set(AlipayScenario::OtherOrder);
    let reply = trade_query(&fake, biz.clone());
    assert_eq!(
        reply.json()[node_key]["trade_no"],
        "2026112122001412341408157614"
    );
    assert_eq!(
        reply.json()[node_key]["out_trade_no"],
        "7439201234567890124"
    );
    assert!(alipay_answer_verifies(&fake, &reply, node_key));

    fake.set(AlipayScenario::Delay(Duration::from_secs(5)));
    let params = alipay_params(
        fake.app_id(),
        "alipay.trade.query",
        &biz,
        fake.app_private_key_pem(),
        true,
    );
    let started = Instant::now();
    let timed_out = agent(Duration::from_millis(300))
        .post(fake.base_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form(&params));
    assert!(timed_out.is_err(), "the client should time out");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(fake.request_count(), 10);

    // Dropping the fake does not wait for the sleeping answer.
    let url = fake.base_url();
    let started = Instant::now();
    drop(fake);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        agent(Duration::from_secs(2))
            .post(&url)
            .send("x=1")
            .is_err(),
        "the server is gone"
    );
}

// ---------------------------------------------------------------- WeChat Pay

const WX_TRANSACTION: &str = "4200002345202611214567890123";
const WX_ORDER: &str = "LS20261121200512345";

fn wechat_with_order() -> FakeWechatPay {
    let fake = FakeWechatPay::start();
    fake.add_order(WechatOrder {
        trade_no: WX_TRANSACTION.into(),
        out_trade_no: WX_ORDER.into(),
        amount: "68.00".into(),
        status: "SUCCESS".into(),
        paid_at: Some("2026-11-21T20:05:31+08:00".into()),
        refund: Some(WechatRefund {
            out_refund_no: "RF-LS20261121200512345".into(),
            refund_id: "50300000012026112212345678901".into(),
            amount: "68.00".into(),
            status: "SUCCESS".into(),
            success_time: Some("2026-11-22T09:00:05+08:00".into()),
            create_time: None,
            user_received_account: None,
        }),
    });
    fake
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The §2.2 Authorization header for a GET of `url` (path plus query).
fn wechat_authorization(
    mchid: &str,
    serial: &str,
    private_pem: &str,
    url: &str,
    timestamp: i64,
) -> String {
    let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
    let message = format!("GET\n{url}\n{timestamp}\n{nonce}\n\n");
    let signature = rsa2_sign(private_pem, &message);
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",\
         signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial}\""
    )
}

fn wechat_get_with(fake: &FakeWechatPay, url: &str, authorization: Option<String>) -> Reply {
    let mut request = agent(Duration::from_secs(20))
        .get(format!("{}{url}", fake.base_url()))
        .header("Accept", "application/json")
        .header("User-Agent", "daozhang-tests");
    if let Some(auth) = authorization {
        request = request.header("Authorization", auth);
    }
    reply(request.call())
}

fn wechat_get(fake: &FakeWechatPay, url: &str) -> Reply {
    let auth = wechat_authorization(
        fake.mchid(),
        fake.merchant_serial(),
        fake.merchant_private_key_pem(),
        url,
        now(),
    );
    wechat_get_with(fake, url, Some(auth))
}

/// Verifies a WeChat Pay answer per §2.4 (signature only; no clock check).
fn wechat_answer_verifies(fake: &FakeWechatPay, reply: &Reply) -> bool {
    let (Some(ts), Some(nonce), Some(sig)) = (
        reply.header("Wechatpay-Timestamp"),
        reply.header("Wechatpay-Nonce"),
        reply.header("Wechatpay-Signature"),
    ) else {
        return false;
    };
    rsa2_verify(
        fake.platform_public_key_pem(),
        &format!("{ts}\n{nonce}\n{}\n", reply.body),
        sig,
    )
}

fn by_id(fake: &FakeWechatPay) -> String {
    format!(
        "/v3/pay/transactions/id/{WX_TRANSACTION}?mchid={}",
        fake.mchid()
    )
}

#[test]
fn fakes_wechat_verifies_signed_query_and_signs_its_answer() {
    let fake = wechat_with_order();
    let reply = wechat_get(&fake, &by_id(&fake));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tx = reply.json();
    assert_eq!(tx["transaction_id"], WX_TRANSACTION);
    assert_eq!(tx["out_trade_no"], WX_ORDER);
    assert_eq!(tx["trade_state"], "SUCCESS");
    assert_eq!(tx["trade_state_desc"], "支付成功");
    assert_eq!(tx["trade_type"], "JSAPI");
    assert_eq!(tx["success_time"], "2026-11-21T20:05:31+08:00");
    assert_eq!(tx["amount"]["total"], 6800);
    assert_eq!(tx["amount"]["payer_total"], 6800);
    assert_eq!(tx["amount"]["currency"], "CNY");
    assert_eq!(tx["mchid"], fake.mchid());
    assert!(tx["payer"]["openid"].is_string());
    assert!(wechat_answer_verifies(&fake, &reply));
    assert_eq!(
        reply.header("Wechatpay-Serial"),
        Some(fake.platform_key_id().as_str())
    );
    assert_eq!(
        reply.header("Wechatpay-Signature-Type"),
        Some("WECHATPAY2-SHA256-RSA2048")
    );
    assert!(reply.header("Request-ID").is_some());
    let ts: i64 = reply
        .header("Wechatpay-Timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((now() - ts).abs() < 60);

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].signature_valid && requests[0].accepted());
    assert!(
        requests[0]
            .signed_text
            .starts_with("GET\n/v3/pay/transactions/id/")
    );

    let url = format!(
        "/v3/pay/transactions/out-trade-no/{WX_ORDER}?mchid={}",
        fake.mchid()
    );
    let reply = wechat_get(&fake, &url);
    assert_eq!(reply.json()["transaction_id"], WX_TRANSACTION);
    assert!(wechat_answer_verifies(&fake, &reply));
}

#[test]
fn fakes_wechat_rejects_wrong_signatures() {
    let fake = wechat_with_order();
    let url = by_id(&fake);
    let keys = TestKeys::shared();
    let (mchid, serial, key) = (
        fake.mchid().to_owned(),
        fake.merchant_serial().to_owned(),
        fake.merchant_private_key_pem().to_owned(),
    );
    let cases = [
        // Another key.
        Some(wechat_authorization(
            &mchid,
            &serial,
            keys.other.private_key_pem(),
            &url,
            now(),
        )),
        // Signed over the path without the query.
        Some(wechat_authorization(
            &mchid,
            &serial,
            &key,
            url.split('?').next().unwrap(),
            now(),
        )),
        // Right signature, 10 minutes old.
        Some(wechat_authorization(
            &mchid,
            &serial,
            &key,
            &url,
            now() - 600,
        )),
        // Right signature, wrong serial.
        Some(wechat_authorization(&mchid, "ABCDEF", &key, &url, now())),
        // Right signature, wrong mchid.
        Some(wechat_authorization(
            "1900000109",
            &serial,
            &key,
            &url,
            now(),
        )),
        None,
    ];
    for auth in cases {
        let reply = wechat_get_with(&fake, &url, auth);
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.json()["code"], "SIGN_ERROR");
        assert_eq!(reply.json()["message"], "签名错误");
    }
    let verdicts: Vec<bool> = fake.requests().iter().map(|r| r.signature_valid).collect();
    assert_eq!(verdicts, [false, false, true, true, true, false]);
    assert!(fake.requests().iter().all(|r| !r.accepted()));

    fake.set(WechatScenario::AuthFailure);
    assert_eq!(wechat_get(&fake, &url).status, 401);
}

#[test]
fn fakes_wechat_not_found_and_refund_query() {
    let fake = wechat_with_order();
    let url = format!(
        "/v3/pay/transactions/id/4200000000000000000000000000?mchid={}",
        fake.mchid()
    );
    let reply = wechat_get(&fake, &url);
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["code"], "ORDER_NOT_EXIST");
    assert!(wechat_answer_verifies(&fake, &reply));

    fake.set(WechatScenario::NotFound);
    assert_eq!(wechat_get(&fake, &by_id(&fake)).status, 404);
    fake.set(WechatScenario::Normal);

    let reply = wechat_get(&fake, "/v3/refund/domestic/refunds/RF-LS20261121200512345");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let refund = reply.json();
    assert_eq!(refund["status"], "SUCCESS");
    assert_eq!(refund["amount"]["refund"], 6800);
    assert_eq!(refund["transaction_id"], WX_TRANSACTION);
    assert_eq!(refund["success_time"], "2026-11-22T09:00:05+08:00");
    assert!(wechat_answer_verifies(&fake, &reply));

    let reply = wechat_get(&fake, "/v3/refund/domestic/refunds/RF-none");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["code"], "RESOURCE_NOT_EXISTS");

    let reply = wechat_get(&fake, &format!("/v3/pay/transactions/id/{WX_TRANSACTION}"));
    assert_eq!(reply.status, 400, "mchid is required");
}

#[test]
fn fakes_wechat_scenarios() {
    let fake = wechat_with_order();
    let url = by_id(&fake);

    fake.set(WechatScenario::ServerErrorThen(2));
    let statuses: Vec<u16> = (0..3).map(|_| wechat_get(&fake, &url).status).collect();
    assert_eq!(statuses, [503, 503, 200]);

    fake.set(WechatScenario::TooManyThen {
        n: 1,
        retry_after_secs: 3,
    });
    let first = wechat_get(&fake, &url);
    assert_eq!(first.status, 429);
    assert_eq!(first.header("Retry-After"), Some("3"));
    assert_eq!(first.json()["code"], "FREQUENCY_LIMITED");
    assert_eq!(wechat_get(&fake, &url).status, 200);
    assert_eq!(fake.request_count(), 5);

    fake.set(WechatScenario::Malformed);
    let reply = wechat_get(&fake, &url);
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_str::<Value>(&reply.body).is_err());
    assert!(wechat_answer_verifies(&fake, &reply));

    fake.set(WechatScenario::BadSignature);
    let reply = wechat_get(&fake, &url);
    assert_eq!(reply.json()["trade_state"], "SUCCESS");
    assert!(!wechat_answer_verifies(&fake, &reply));

    fake.set(WechatScenario::StaleTimestamp);
    let reply = wechat_get(&fake, &url);
    assert!(wechat_answer_verifies(&fake, &reply));
    let ts: i64 = reply
        .header("Wechatpay-Timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((now() - ts - 600).abs() < 30);

    fake.set(WechatScenario::Unsigned);
    let reply = wechat_get(&fake, &url);
    assert_eq!(reply.status, 200);
    assert!(reply.header("Wechatpay-Signature").is_none());
    assert!(reply.header("Wechatpay-Timestamp").is_none());

    fake.set(WechatScenario::WrongAmount);
    let reply = wechat_get(&fake, &url);
    assert_eq!(reply.json()["amount"]["total"], 6900);
    assert!(wechat_answer_verifies(&fake, &reply));

    fake.set(WechatScenario::OtherOrder);
    let reply = wechat_get(&fake, &url);
    assert_eq!(
        reply.json()["transaction_id"],
        "4200002345202611214567890124"
    );
    assert_eq!(reply.json()["out_trade_no"], "LS20261121200512346");
    assert!(wechat_answer_verifies(&fake, &reply));

    fake.set_platform_key_id("PUB_KEY_ID_0000000000000000000000000001");
    fake.set(WechatScenario::Normal);
    let reply = wechat_get(&fake, &url);
    assert_eq!(
        reply.header("Wechatpay-Serial"),
        Some("PUB_KEY_ID_0000000000000000000000000001")
    );

    fake.set(WechatScenario::Delay(Duration::from_secs(5)));
    let auth = wechat_authorization(
        fake.mchid(),
        fake.merchant_serial(),
        fake.merchant_private_key_pem(),
        &url,
        now(),
    );
    let started = Instant::now();
    let timed_out = agent(Duration::from_millis(300))
        .get(format!("{}{url}", fake.base_url()))
        .header("Authorization", auth)
        .call();
    assert!(timed_out.is_err(), "the client should time out");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(fake.request_count(), 13);
    let started = Instant::now();
    drop(fake);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn fakes_keys_are_distinct_pems() {
    let keys = TestKeys::shared();
    let pairs = [
        &keys.alipay_app,
        &keys.alipay_platform,
        &keys.wechat_merchant,
        &keys.wechat_platform,
        &keys.other,
    ];
    for (i, pair) in pairs.iter().enumerate() {
        assert!(
            pair.private_key_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        assert!(
            pair.public_key_pem()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        for other in &pairs[i + 1..] {
            assert_ne!(pair.public_key_pem(), other.public_key_pem());
        }
    }
    let sig = keys.other.sign_base64(b"x");
    assert!(keys.other.verify_base64(b"x", &sig));
    assert!(!keys.alipay_app.verify_base64(b"x", &sig));
}
