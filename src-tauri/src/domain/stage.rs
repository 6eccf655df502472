//! The four canonical stages of a top-up and the refund branch.

use serde::{Deserialize, Serialize};

use super::text::Bilingual;

/// A stage of the order's journey, in canonical order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The order was placed on the platform.
    Submitted,
    /// The money moved: bank / wallet debit and the provider's payment.
    BankProcessing,
    /// The provider told the platform (async notify / webhook).
    Callback,
    /// The platform credited what was bought.
    Credited,
    /// The branch: money going back.
    Refund,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Submitted,
        Stage::BankProcessing,
        Stage::Callback,
        Stage::Credited,
        Stage::Refund,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Submitted => "submitted",
            Stage::BankProcessing => "bank_processing",
            Stage::Callback => "callback",
            Stage::Credited => "credited",
            Stage::Refund => "refund",
        }
    }

    pub fn label(self) -> Bilingual {
        match self {
            Stage::Submitted => Bilingual::new("下单", "Order submitted"),
            Stage::BankProcessing => Bilingual::new("扣款 / 支付处理", "Payment processing"),
            Stage::Callback => Bilingual::new("支付结果回调", "Provider → platform callback"),
            Stage::Credited => Bilingual::new("到账 / 发货", "Credited"),
            Stage::Refund => Bilingual::new("退款", "Refund"),
        }
    }
}

/// Where a stage stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Done,
    Pending,
    Overdue,
    Failed,
    Unknown,
    NotApplicable,
}

impl StageState {
    pub fn code(self) -> &'static str {
        match self {
            StageState::Done => "done",
            StageState::Pending => "pending",
            StageState::Overdue => "overdue",
            StageState::Failed => "failed",
            StageState::Unknown => "unknown",
            StageState::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> Bilingual {
        match self {
            StageState::Done => Bilingual::new("已完成", "done"),
            StageState::Pending => Bilingual::new("进行中", "pending"),
            StageState::Overdue => Bilingual::new("已超时", "overdue"),
            StageState::Failed => Bilingual::new("失败", "failed"),
            StageState::Unknown => Bilingual::new("未知", "unknown"),
            StageState::NotApplicable => Bilingual::new("不适用", "not applicable"),
        }
    }
}
