//! Loopback fakes of the payment providers' query APIs, speaking the real
//! wire protocols (shared/reference/providers.md §1 Alipay, §2 WeChat Pay
//! v3), for testing Daozhang's clients without the network.
//!
//! - [`FakeAlipay`]: the OpenAPI v2 gateway (`alipay.trade.query`,
//!   `alipay.trade.fastpay.refund.query`), RSA2 request and response
//!   signatures.
//! - [`FakeWechatPay`]: API v3 order and refund queries,
//!   `WECHATPAY2-SHA256-RSA2048` request and response signatures.
//! - [`stripe::FakeStripe`] (§3): PaymentIntents, search, events with
//!   `pending_webhooks`, refunds; Bearer secret key.
//! - [`paypal::FakePaypal`] (§5): OAuth2 client-credentials token (Basic
//!   auth), then orders and captures with the Bearer token.
//! - [`epay::FakeEpay`] (§4.1–4.2): 彩虹易支付 V1 (`api.php`, pid + key in
//!   the URL) and V2 (`api/pay/query`, RSA-signed both ways).
//! - [`dujiaoka::FakeDujiaoka`] (§4.3): a 独角数卡 shop's public order
//!   lookup (`check-order-status` JSON, the order page's HTML).
//!
//! Each fake binds `127.0.0.1:0`, serves on a background thread, records
//! every request with its signature verdict ([`RecordedRequest`]), answers
//! from an order table the test fills, and can be switched at run time to a
//! failure scenario ([`AlipayScenario`], [`WechatScenario`]). Dropping a
//! fake stops its server. Keys are RSA-2048, generated once per process
//! ([`TestKeys::shared`]).
//!
//! ```no_run
//! use daozhang_tests::fakes::{AlipayOrder, AlipayScenario, FakeAlipay};
//!
//! let fake = FakeAlipay::start();
//! fake.add_order(AlipayOrder {
//!     trade_no: "2026112122001412341408157613".into(),
//!     out_trade_no: "7439201234567890123".into(),
//!     amount: "200.00".into(),
//!     status: "TRADE_SUCCESS".into(),
//!     paid_at: Some("2026-11-21 15:15:12".into()),
//!     refund: None,
//! });
//! fake.set(AlipayScenario::ServerErrorThen(2));
//! // … point the client at fake.base_url(), fake.app_id(),
//! // fake.app_private_key_pem(), fake.alipay_public_key_pem() …
//! assert!(fake.requests().iter().all(|r| r.signature_valid));
//! ```

pub mod alipay;
mod common;
pub mod dujiaoka;
pub mod epay;
pub mod http;
pub mod keys;
pub mod paypal;
pub mod stripe;
pub mod wechat;

pub use alipay::{
    FakeAlipay, Order as AlipayOrder, Refund as AlipayRefund, Scenario as AlipayScenario,
};
pub use common::RecordedRequest;
pub use keys::{KeyPair, TestKeys};
pub use wechat::{
    FakeWechatPay, Order as WechatOrder, Refund as WechatRefund, Scenario as WechatScenario,
};

#[cfg(test)]
mod tests;
