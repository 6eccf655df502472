//! The manual source's status words: what people copy from the apps,
//! mapped to a [`Claim`]. The table is data (`data/status/manual.toml`).

use std::sync::LazyLock;

use serde::Deserialize;

use super::observation::{Claim, Party};

#[derive(Debug, Deserialize)]
struct Table {
    rule: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    claim: Claim,
    #[serde(default)]
    parties: Vec<Party>,
    words: Vec<String>,
}

static MANUAL: LazyLock<Vec<(Claim, Vec<Party>, String)>> = LazyLock::new(|| {
    let table: Table = toml::from_str(include_str!("../../data/status/manual.toml"))
        .expect("data/status/manual.toml is valid (checked by tests)");
    table
        .rule
        .into_iter()
        .flat_map(|r| {
            let parties = r.parties;
            r.words
                .into_iter()
                .map(move |w| (r.claim, parties.clone(), squash(&w)))
        })
        .collect()
});

fn squash(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '·' | '，' | ','))
        .collect()
}

/// What the words mean when `party` says them. The longest matching word
/// wins, so "退款成功" is a refund, not a plain success. Party-specific words
/// beat general ones of the same length.
pub fn read_status(party: Party, raw: &str) -> Claim {
    let text = squash(raw);
    if text.is_empty() {
        return Claim::Unknown;
    }
    let mut best: Option<(usize, bool, Claim)> = None;
    for (claim, parties, word) in MANUAL.iter() {
        let specific = !parties.is_empty();
        if specific && !parties.contains(&party) {
            continue;
        }
        if word.is_empty() || !text.contains(word.as_str()) {
            continue;
        }
        let key = (word.chars().count(), specific);
        if best.is_none_or(|(len, spec, _)| key > (len, spec)) {
            best = Some((key.0, key.1, *claim));
        }
    }
    best.map(|(_, _, c)| c.resolve(party))
        .unwrap_or(Claim::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads() {
        assert!(MANUAL.len() > 100, "the manual table has the common words");
    }

    #[test]
    fn common_words_from_the_apps() {
        use Claim::*;
        use Party::*;
        for (party, raw, want) in [
            (Platform, "支付失败", Failed),
            (Platform, "DOU+ 订单: 支付失败", Failed),
            (Provider, "交易成功", Paid),
            (Provider, "支付宝账单: 交易成功", Paid),
            (Bank, "debit 200.00 at 15:15", Debited),
            (
                Bank,
                "您尾号1234卡11月21日15:15快捷支付支出（消费支付宝-北京微播视界科技有限公司）200.00元",
                Debited,
            ),
            (Platform, "处理中", Processing),
            (Platform, "待确认", Processing),
            (Platform, "钻石未到账", Processing),
            (Provider, "退款成功", Refunded),
            (Platform, "退款中", RefundPending),
            (Platform, "充值成功", Credited),
            (Platform, "成功", Credited),
            (Provider, "成功", Paid),
            (Provider, "TRADE_SUCCESS", Paid),
            (Provider, "WAIT_BUYER_PAY", Unpaid),
            (Provider, "交易关闭", Closed),
            (Provider, "因风控原因交易受限", RiskBlocked),
            (Provider, "银行卡余额不足", UserLimit),
            (Bank, "退款入账 200.00元", Refunded),
            (Platform, "Payment failed", Failed),
            (Provider, "Payment successful", Paid),
            (Platform, "something else entirely", Unknown),
        ] {
            assert_eq!(read_status(party, raw), want, "{party:?} saying {raw:?}");
        }
    }

    #[test]
    fn longest_word_wins() {
        assert_eq!(
            read_status(Party::Provider, "退款成功"),
            Claim::Refunded,
            "退款成功 contains 成功 but means refunded"
        );
        assert_eq!(
            read_status(Party::Platform, "充值失败"),
            Claim::Failed,
            "充值失败 must not read as 充值 anything else"
        );
    }
}
