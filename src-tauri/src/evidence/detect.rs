//! Which format an input is, from its content (never its file name).

use std::sync::LazyLock;

use regex::Regex;

use super::{EvidenceError, Format, decode};
use crate::domain::text::Bilingual;

/// How much of a file is looked at to tell its format.
pub(crate) const HEAD_BYTES: usize = 64 * 1024;

/// Keys a transaction detail page shows (支付宝 / 微信 账单详情).
pub(crate) const RECEIPT_KEYS: &[&str] = &[
    "交易单号",
    "交易号",
    "订单号",
    "商户单号",
    "商家订单号",
    "商户订单号",
    "支付时间",
    "付款时间",
    "创建时间",
    "交易时间",
    "当前状态",
    "交易状态",
    "支付状态",
    "支付方式",
    "付款方式",
    "商品",
    "商品说明",
    "收款方",
    "收款方全称",
    "交易对方",
    "对方账户",
    "金额",
    "付款金额",
    "支付金额",
];

pub(crate) static SMS_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(尾号|账户|卡号|借记卡|信用卡|储蓄卡)[^\d\n]{0,6}\*?\d{4}|[【\[][^】\]\n]{1,12}银行[】\]]")
        .expect("the SMS mark is a valid regex")
});

/// Tells the format of the input that starts with `head`.
pub fn detect(head: &[u8]) -> Result<Format, EvidenceError> {
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(EvidenceError::Empty);
    }
    if let Some(other) = binary_kind(head) {
        return other;
    }
    let enc = decode::sniff(head)?;
    let (text, _) = enc.decode_without_bom_handling(head);
    let text = text.trim_start_matches('\u{feff}');

    let has = |words: &[&str]| words.iter().all(|w| text.contains(w));
    if text.contains("电子客户回单") || has(&["交易时间", "交易分类", "交易订单号"])
    {
        return Ok(Format::AlipayApp);
    }
    if text.contains("支付宝交易记录明细查询") || has(&["交易号", "交易创建时间", "资金状态"])
    {
        return Ok(Format::AlipayWeb);
    }
    if text.contains("微信支付账单明细") || has(&["交易时间", "交易类型", "交易单号", "商户单号"])
    {
        return Ok(Format::WechatCsv);
    }
    let receipt_keys = receipt_key_lines(text);
    let sms = SMS_MARK.is_match(text);
    if sms && receipt_keys < 3 {
        return Ok(Format::BankSms);
    }
    if receipt_keys >= 2 {
        return Ok(Format::Receipt);
    }
    Err(EvidenceError::Unrecognised {
        looks_like: looks_like(text),
    })
}

/// Lines that start with a receipt key (`交易单号：…`, or the key alone on
/// its line with the value on the next, as copied from WeChat).
pub(crate) fn receipt_key_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let l = l.trim();
            RECEIPT_KEYS.iter().any(|k| {
                l.strip_prefix(k).is_some_and(|rest| {
                    let rest = rest.trim_start();
                    rest.is_empty() || rest.starts_with([':', '：', '\t'])
                })
            })
        })
        .count()
}

/// Files that are not text at all.
fn binary_kind(head: &[u8]) -> Option<Result<Format, EvidenceError>> {
    let unrecognised = |zh: &str, en: &str| {
        Some(Err(EvidenceError::Unrecognised {
            looks_like: Bilingual::new(zh, en),
        }))
    };
    if head.starts_with(b"PK\x03\x04") {
        // An Office Open XML workbook, or a bill zip: `archive` tells which.
        return Some(Ok(Format::WechatXlsx));
    }
    if head.starts_with(b"%PDF") {
        return Some(Err(EvidenceError::ProofPdf));
    }
    if head.starts_with(b"\x89PNG")
        || head.starts_with(b"\xff\xd8\xff")
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"))
    {
        return Some(Ok(Format::Screenshot));
    }
    if head.get(4..8) == Some(b"ftyp")
        && head
            .get(8..11)
            .is_some_and(|b| b.starts_with(b"hei") || b.starts_with(b"mif"))
    {
        return unrecognised(
            "HEIC 照片（请在手机上截图，或把图片存为 JPEG / PNG 后再选择）",
            "a HEIC photo (use a screenshot, or save the picture as JPEG or PNG and choose that)",
        );
    }
    if head.starts_with(b"GIF8") {
        return unrecognised(
            "GIF 动图（请选择截图：PNG 或 JPEG）",
            "a GIF animation (choose a screenshot: PNG or JPEG)",
        );
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0") {
        return unrecognised(
            "旧版 Excel（.xls）文件（请用 App 重新导出，或另存为 .xlsx / CSV）",
            "an old Excel (.xls) file (export again from the app, or save it as .xlsx or CSV)",
        );
    }
    if head.starts_with(b"Rar!") || head.starts_with(b"7z\xbc\xaf") || head.starts_with(b"\x1f\x8b")
    {
        return unrecognised(
            "RAR、7z 或 gz 压缩包（请先解压，再选择里面的账单文件）",
            "a RAR, 7z or gz archive (unpack it first and choose the bill inside)",
        );
    }
    if head.contains(&0) {
        return unrecognised("二进制文件", "a binary file");
    }
    None
}

/// A short description of text that is no known format.
fn looks_like(text: &str) -> Bilingual {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let cells = first.split([',', '\t']).count();
    if cells >= 4 {
        let cols: Vec<&str> = first
            .split([',', '\t'])
            .map(|c| c.trim().trim_matches('"'))
            .filter(|c| !c.is_empty())
            .take(4)
            .collect();
        let cols = cols.join(", ");
        return Bilingual::new(
            format!("另一种表格，列为 {cols} …"),
            format!("another kind of table, with the columns {cols} …"),
        );
    }
    Bilingual::new("其他内容的文字", "text of another kind")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_their_content() {
        let (gbk, _, _) = encoding_rs::GB18030.encode(
            "------------------------------------------------------------------------------------\n导出信息：\n",
        );
        let mut alipay = gbk.to_vec();
        alipay.extend_from_slice(
            &encoding_rs::GB18030
                .encode("交易时间,交易分类,交易对方,对方账号,商品说明,收/支,金额,收/付款方式,交易状态,交易订单号,商家订单号,备注,\n")
                .0,
        );
        assert_eq!(detect(&alipay).unwrap(), Format::AlipayApp);
        assert_eq!(
            detect("微信支付账单明细,,,,,,,,\n微信昵称：[x],,,,\n".as_bytes()).unwrap(),
            Format::WechatCsv
        );
        assert_eq!(
            detect("支付宝交易记录明细查询\n账号:[x]\n".as_bytes()).unwrap(),
            Format::AlipayWeb
        );
        assert_eq!(
            detect("您尾号0797卡6月20日13:02快捷支付支出（消费支付宝-北京华柜依磐食品销售店）62.50元，余额406.04元。【工商银行】".as_bytes()).unwrap(),
            Format::BankSms
        );
        assert_eq!(
            detect("当前状态\n支付成功\n支付时间\n2026年11月21日 15:15:12\n交易单号\n4200001234202611211234567890\n".as_bytes()).unwrap(),
            Format::Receipt
        );
        assert_eq!(detect(b"PK\x03\x04rest").unwrap(), Format::WechatXlsx);
    }

    #[test]
    fn what_it_is_not_is_said() {
        for (input, word) in [
            (&b"GIF89a...."[..], "GIF"),
            (
                &b"date,description,amount,balance\n2026-11-21,x,1,2\n"[..],
                "date, description",
            ),
            (&b"hello there"[..], "another kind"),
        ] {
            match detect(input) {
                Err(e @ EvidenceError::Unrecognised { .. }) => {
                    assert!(
                        e.text().en.contains(word),
                        "{:?} should mention {word}",
                        e.text().en
                    )
                }
                other => panic!("{input:?} gave {other:?}"),
            }
        }
        assert!(matches!(detect(b"  \n\t"), Err(EvidenceError::Empty)));
        assert!(matches!(
            detect(b"%PDF-1.7 ..."),
            Err(EvidenceError::ProofPdf)
        ));
    }
}
