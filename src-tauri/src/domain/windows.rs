//! Normal windows, retry windows and escalation limits (`data/windows.toml`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::Duration;
use serde::Deserialize;

use super::observation::SourceKind;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    pub stage: StageWindows,
    pub review: Review,
    pub provider: BTreeMap<String, ProviderWindow>,
    pub escalation: Escalation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageWindows {
    pub bank_processing_minutes: i64,
    pub callback_minutes: i64,
    pub credited_minutes: i64,
    pub refund_business_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub platform_business_days: u32,
    pub provider_business_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderWindow {
    pub retry_window_minutes: i64,
    pub schedule: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub consumer_12315_years: i32,
    pub consumer_12315_accept_business_days: u32,
    pub card_dispute_days: i64,
    pub wechat_refund_days: i64,
    /// Business days an unanswered chat gets before the ticket (the ladder).
    pub ticket_after_chat_business_days: u32,
}

static WINDOWS: LazyLock<Windows> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/windows.toml"))
        .expect("data/windows.toml is valid (checked by tests)")
});

impl Windows {
    pub fn builtin() -> &'static Windows {
        &WINDOWS
    }

    /// How long the provider keeps retrying its notify. Unknown providers
    /// get the shortest known window, so we never promise too long a wait.
    pub fn retry_window(&self, provider: Option<SourceKind>) -> Duration {
        let minutes = provider
            .and_then(|p| self.provider.get(p.code()))
            .map(|p| p.retry_window_minutes)
            .unwrap_or_else(|| {
                self.provider
                    .values()
                    .map(|p| p.retry_window_minutes)
                    .min()
                    .unwrap_or(60)
            });
        Duration::minutes(minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_loads_and_is_sane() {
        let w = Windows::builtin();
        assert_eq!(
            w.retry_window(Some(SourceKind::WechatPay)),
            Duration::minutes(24 * 60 + 4),
            "WeChat Pay retries for 24 h 4 min"
        );
        assert!(w.retry_window(Some(SourceKind::Alipay)) > Duration::hours(24));
        assert!(w.stage.callback_minutes < w.retry_window(None).num_minutes());
    }
}
