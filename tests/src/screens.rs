//! Phone screens for the OCR tests: HTML mock-ups of the screens people
//! screenshot (WeChat's and Alipay's 账单详情, a platform's order page, a
//! bank's SMS thread), rendered to PNG by headless Chromium at a phone's
//! size and pixel density, light or dark. Made here; no real person's
//! screenshot is used.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A phone's screen: its width in CSS pixels and its pixel density.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phone {
    pub css_width: u32,
    pub css_height: u32,
    pub scale: u32,
}

impl Phone {
    /// 720 × 1600: a small Android phone.
    pub const SMALL: Phone = Phone {
        css_width: 360,
        css_height: 800,
        scale: 2,
    };
    /// 1080 × 2400: most Android phones.
    pub const MEDIUM: Phone = Phone {
        css_width: 360,
        css_height: 800,
        scale: 3,
    };
    /// 1290 × 2796: a large iPhone.
    pub const LARGE: Phone = Phone {
        css_width: 430,
        css_height: 932,
        scale: 3,
    };

    pub fn pixels(&self) -> (u32, u32) {
        (self.css_width * self.scale, self.css_height * self.scale)
    }
}

/// What a payment's screens show.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The name over the amount (抖音支付, 星光直播).
    pub payee: String,
    /// The payee's registered name (商户全称 / 收款方全称).
    pub payee_full: String,
    pub amount: String,
    /// `2026-11-21 20:05:30`.
    pub time: String,
    pub item: String,
    pub method: String,
    pub trade_no: String,
    pub merchant_order_no: String,
}

/// A screen to render.
#[derive(Debug, Clone)]
pub enum Screen {
    /// WeChat Pay's 账单详情 (labels and values in two columns).
    WechatDetail { pay: Payment, status: String },
    /// Alipay's 账单详情 (values right-aligned).
    AlipayDetail { pay: Payment, status: String },
    /// A platform's order page with its status word.
    OrderPage {
        platform: String,
        pay: Payment,
        status: String,
    },
    /// A bank's SMS thread: each message a bubble, with the thread's date
    /// lines between.
    SmsThread {
        bank: String,
        messages: Vec<(String, String)>,
    },
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `2026-11-21 20:05:30` as WeChat writes it: `2026年11月21日 20:05:30`.
fn wechat_time(t: &str) -> String {
    let (date, clock) = t.split_once(' ').unwrap_or((t, ""));
    let p: Vec<&str> = date.split('-').collect();
    format!("{}年{}月{}日 {clock}", p[0], p[1], p[2])
}

const STATUS_BAR: &str =
    r#"<div class="bar"><span>20:31</span><span class="sig">5G ▮▮▮ 86%</span></div>"#;

fn rows(rows: &[(&str, &str)]) -> String {
    rows.iter()
        .map(|(k, v)| {
            format!(
                r#"<div class="row"><div class="k">{}</div><div class="v">{}</div></div>"#,
                esc(k),
                esc(v)
            )
        })
        .collect()
}

impl Screen {
    /// The page's HTML, `dark` for the phone's dark mode.
    pub fn html(&self, dark: bool) -> String {
        let (bg, card, fg, soft, line) = if dark {
            ("#111111", "#191919", "#d5d5d5", "#8c8c8c", "#2a2a2a")
        } else {
            ("#ededed", "#ffffff", "#111111", "#888888", "#e5e5e5")
        };
        let common = format!(
            r#"body{{margin:0;font-family:"Noto Sans CJK SC",sans-serif;background:{bg};color:{fg}}}
.bar{{height:28px;display:flex;justify-content:space-between;align-items:center;padding:0 18px;font-size:14px;font-weight:600}}
.nav{{height:44px;display:flex;align-items:center;justify-content:center;font-size:17px;position:relative}}
.nav .back{{position:absolute;left:14px;font-size:22px}}
.card{{background:{card};padding:24px 20px}}
.head{{text-align:center}}
.payee{{font-size:16px}}
.amount{{font-size:36px;font-weight:600;margin:10px 0 6px}}
.status{{font-size:14px;color:{soft};margin-bottom:18px}}
.row{{display:flex;font-size:15px;margin:14px 0;line-height:1.4}}
.row .k{{width:90px;color:{soft};flex:none}}
.row .v{{word-break:break-all;flex:1}}
.right .row .v{{text-align:right}}
.sep{{border-top:1px solid {line};margin:18px 0}}
.btn{{text-align:center;color:#576b95;font-size:15px;margin-top:22px}}
.big{{font-size:22px;font-weight:600;text-align:center;margin:18px 0 4px}}
.sub{{font-size:13px;color:{soft};text-align:center;margin-bottom:14px}}
.thread{{padding:10px 12px}}
.when{{text-align:center;font-size:12px;color:{soft};margin:16px 0 8px}}
.bubble{{background:{card};border-radius:14px;padding:10px 12px;font-size:15px;line-height:1.5;max-width:78%}}"#
        );
        let body = match self {
            Screen::WechatDetail { pay, status } => format!(
                r#"<div class="nav"><span class="back">‹</span>账单详情</div>
<div class="card"><div class="head"><div class="payee">{}</div><div class="amount">-{}</div><div class="status">{}</div></div>
{}<div class="sep"></div>{}</div>"#,
                esc(&pay.payee),
                esc(&pay.amount),
                "",
                rows(&[
                    ("当前状态", status),
                    ("支付时间", &wechat_time(&pay.time)),
                    ("商品", &pay.item),
                    ("商户全称", &pay.payee_full),
                    ("收单机构", "财付通支付科技有限公司"),
                    ("支付方式", &pay.method),
                ]),
                rows(&[
                    ("交易单号", &pay.trade_no),
                    ("商户单号", &pay.merchant_order_no),
                ]),
            ),
            Screen::AlipayDetail { pay, status } => format!(
                r#"<div class="nav"><span class="back">‹</span>账单详情</div>
<div class="card right"><div class="head"><div class="payee">{}</div><div class="amount">-{}</div><div class="status">{}</div></div>
{}<div class="sep"></div>{}<div class="btn">对此订单有疑问</div></div>"#,
                esc(&pay.payee),
                esc(&pay.amount),
                esc(status),
                rows(&[
                    ("支付时间", &pay.time),
                    ("付款方式", &pay.method),
                    ("商品说明", &pay.item),
                    ("收款方全称", &pay.payee_full),
                    ("收单机构", "支付宝（中国）网络技术有限公司"),
                ]),
                rows(&[
                    ("订单号", &pay.trade_no),
                    ("商家订单号", &pay.merchant_order_no),
                    ("账单分类", "充值缴费"),
                ]),
            ),
            Screen::OrderPage {
                platform,
                pay,
                status,
            } => format!(
                r#"<div class="nav"><span class="back">‹</span>订单详情</div>
<div class="card"><div class="big">{}</div><div class="sub">{}</div></div>
<div class="card" style="margin-top:10px">{}<div class="btn">联系客服</div></div>"#,
                esc(status),
                esc(&format!("{platform} · 如已扣款，请联系客服")),
                rows(&[
                    ("商品名称", &pay.item),
                    ("实付款", &format!("¥{}", pay.amount)),
                    ("支付方式", &pay.method),
                    ("订单编号", &pay.merchant_order_no),
                    ("下单时间", &pay.time),
                ]),
            ),
            Screen::SmsThread { bank, messages } => {
                let bubbles: String = messages
                    .iter()
                    .map(|(when, text)| {
                        format!(
                            r#"<div class="when">{}</div><div class="bubble">{}</div>"#,
                            esc(when),
                            esc(text)
                        )
                    })
                    .collect();
                format!(
                    r#"<div class="nav"><span class="back">‹</span>{}</div><div class="thread">{bubbles}</div>"#,
                    esc(bank)
                )
            }
        };
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><style>{common}</style></head><body>{STATUS_BAR}{body}</body></html>"#
        )
    }
}

/// The Chromium the tests render with: `DAOZHANG_TEST_CHROMIUM`, else
/// `chromium` on the path.
pub fn chromium() -> PathBuf {
    std::env::var_os("DAOZHANG_TEST_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("chromium"))
}

/// Renders `screen` on `phone` into `dir/name.png` and returns its path.
pub fn render(screen: &Screen, phone: Phone, dark: bool, dir: &Path, name: &str) -> PathBuf {
    let html = dir.join(format!("{name}.html"));
    std::fs::write(&html, screen.html(dark)).expect("the mock-up is written");
    let png = dir.join(format!("{name}.png"));
    let profile = tempfile::tempdir().expect("a browser profile");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--force-device-scale-factor={}", phone.scale))
        .arg(format!(
            "--window-size={},{}",
            phone.css_width, phone.css_height
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .env("HOME", profile.path())
        .output()
        .expect("chromium runs (installed by scripts/setup.sh --test)");
    assert!(
        png.is_file(),
        "chromium rendered no {}: {}",
        png.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    png
}
