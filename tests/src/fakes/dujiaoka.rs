//! A fake 独角数卡 (dujiaoka) card shop on a loopback port: its public
//! order lookup (shared/reference/providers.md §4.3; `OrderController.php`).
//!
//! - `GET /check-order-status/{order_sn}` → `{"msg":"expired","code":400001}`
//!   (unknown or expired), `{"msg":"wait....","code":400000}` (waiting for
//!   payment), `{"msg":"success","code":200}` (any later status).
//! - `GET /detail-order-sn/{order_sn}` → the order page (the unicorn
//!   theme's markup: `订单号：…`, `<label>订单状态：</label>` and a badge
//!   with the status words), or the error page `订单不存在`.
//! - `POST /search-order-by-sn` → 419 "Page Expired": the real route needs
//!   Laravel's CSRF token, which an API client does not have.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::json;

use super::common::{Hits, RecordedRequest};
use super::http::{HttpServer, Request, Response};

/// `app/Models/Order.php` statuses.
pub const WAIT_PAY: i32 = 1;
pub const PENDING: i32 = 2;
pub const PROCESSING: i32 = 3;
pub const COMPLETED: i32 = 4;
pub const FAILURE: i32 = 5;
pub const ABNORMAL: i32 = 6;
pub const EXPIRED: i32 = -1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// 16 upper-case letters and digits.
    pub order_sn: String,
    /// One of the constants above.
    pub status: i32,
    pub title: String,
    /// Yuan, `"50.00"`.
    pub actual_price: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scenario {
    #[default]
    Normal,
    /// The first `n` requests get HTTP 500.
    ServerErrorThen(u32),
    /// `check-order-status` answers an HTML page (a CDN challenge).
    Malformed,
    /// The order page shows another order.
    OtherOrder,
    /// The order page fails with HTTP 500 (the status answer still works).
    DetailDown,
    Delay(Duration),
}

#[derive(Debug, Default)]
struct State {
    scenario: Scenario,
    hits: Hits,
    orders: Vec<Order>,
    requests: Vec<RecordedRequest>,
}

#[derive(Debug)]
pub struct FakeDujiaoka {
    state: Arc<Mutex<State>>,
    server: HttpServer,
}

impl FakeDujiaoka {
    pub fn start() -> FakeDujiaoka {
        let state = Arc::new(Mutex::new(State::default()));
        let server = {
            let state = Arc::clone(&state);
            HttpServer::start(move |r| handle(r, &state))
                .expect("bind a loopback port for the fake dujiaoka shop")
        };
        FakeDujiaoka { state, server }
    }

    /// `http://127.0.0.1:PORT/`
    pub fn shop_url(&self) -> String {
        format!("{}/", self.server.url())
    }

    pub fn set(&self, scenario: Scenario) {
        let mut s = lock(&self.state);
        s.scenario = scenario;
        s.hits.reset();
    }

    pub fn add_order(&self, order: Order) {
        lock(&self.state).orders.push(order);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The status words `resources/lang/zh_CN/order.php` shows.
pub fn status_words(status: i32) -> &'static str {
    match status {
        WAIT_PAY => "待支付",
        PENDING => "待处理",
        PROCESSING => "处理中",
        COMPLETED => "已完成",
        FAILURE => "失败",
        ABNORMAL => "异常",
        EXPIRED => "已过期",
        _ => "",
    }
}

fn handle(r: &Request, state: &Mutex<State>) -> Response {
    let mut record = RecordedRequest::new(r);
    // No credentials: every request is as good as any shopper's.
    record.signature_valid = true;
    let (scenario, hit, orders) = {
        let mut s = lock(state);
        s.requests.push(record);
        let hit = s.hits.next();
        (s.scenario.clone(), hit, s.orders.clone())
    };
    let response = match scenario {
        Scenario::ServerErrorThen(n) if hit <= n => page(500, "<h1>Server Error</h1>"),
        _ => answer(r, &scenario, &orders),
    };
    match scenario {
        Scenario::Delay(d) => response.with_delay(d),
        _ => response,
    }
}

fn page(status: u16, body: &str) -> Response {
    Response::new(
        status,
        "text/html; charset=UTF-8",
        format!(
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>某某发卡网</title></head><body>{body}</body></html>"
        ),
    )
}

fn answer(r: &Request, scenario: &Scenario, orders: &[Order]) -> Response {
    let segments: Vec<&str> = r.path().trim_start_matches('/').split('/').collect();
    match (r.method.as_str(), segments.as_slice()) {
        ("GET", ["check-order-status", sn]) => {
            if *scenario == Scenario::Malformed {
                return page(200, "<p>Checking your browser before accessing…</p>");
            }
            let body = match orders.iter().find(|o| o.order_sn == *sn) {
                None => json!({"msg": "expired", "code": 400001}),
                Some(o) if o.status == EXPIRED => json!({"msg": "expired", "code": 400001}),
                Some(o) if o.status == WAIT_PAY => json!({"msg": "wait....", "code": 400000}),
                Some(_) => json!({"msg": "success", "code": 200}),
            };
            Response::new(200, "application/json", body.to_string())
        }
        ("GET", ["detail-order-sn", sn]) => {
            if *scenario == Scenario::DetailDown {
                return page(500, "<h1>Server Error</h1>");
            }
            match orders.iter().find(|o| o.order_sn == *sn) {
                None => page(200, "<div class=\"alert\">订单不存在</div>"),
                Some(o) => {
                    let shown = if *scenario == Scenario::OtherOrder {
                        "ZZZZZZZZZZZZZZZZ".to_owned()
                    } else {
                        o.order_sn.clone()
                    };
                    page(
                        200,
                        &format!(
                            r#"<div class="card mt-3"><h5><small class="text-muted">订单号：{shown}</small></h5>
<div class="mb-1"><label>订单名称：</label><span>{title}</span></div>
<div class="mb-1"><label>实际支付价格：</label><span>{price}</span></div>
<div class="mb-1">
    <label>订单状态：</label>
    <span class="badge bg-info">{words}</span>
</div></div>"#,
                            title = o.title,
                            price = o.actual_price,
                            words = status_words(o.status),
                        ),
                    )
                }
            }
        }
        ("POST", ["search-order-by-sn"]) => page(419, "<h1>419 Page Expired</h1>"),
        _ => page(404, "<h1>404 Not Found</h1>"),
    }
}
