//! The case file as Markdown, in one language.

use std::fmt::Write;

use super::Snapshot;
use crate::domain::case::EvidenceKind;
use crate::domain::diagnosis::{Audience, short_date, short_time};
use crate::domain::ladder::RungStatus;
use crate::domain::text::{Bilingual, Lang};
use crate::domain::time::Moment;
use crate::domain::timeline::source_name;
use crate::records::MessageKind;

/// A table cell: no pipes or line breaks to break the table.
fn cell(s: &str) -> String {
    s.trim()
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "\n")
        .replace('\n', "<br>")
}

/// Text quoted as a block, every line prefixed.
fn quote(s: &str) -> String {
    let mut out = String::new();
    for line in s.trim_end().lines() {
        if line.trim().is_empty() {
            out.push_str(">\n");
        } else {
            let _ = writeln!(out, "> {line}");
        }
    }
    out
}

fn when(t: Moment) -> String {
    format!("{} ({})", short_time(t), t.offset())
}

fn evidence_kind(k: EvidenceKind) -> Bilingual {
    match k {
        EvidenceKind::PlatformScreenshot => {
            Bilingual::new("平台订单截图", "platform order screenshot")
        }
        EvidenceKind::PaymentRecord => Bilingual::new("付款记录", "payment record"),
        EvidenceKind::BillExport => Bilingual::new("账单导出", "bill export"),
        EvidenceKind::BankStatement => Bilingual::new("银行短信 / 流水", "bank SMS / statement"),
        EvidenceKind::ChatLog => Bilingual::new("客服聊天记录", "customer-service chat log"),
        EvidenceKind::Other => Bilingual::new("其他", "other"),
    }
}

fn status_text(s: &RungStatus, lang: Lang) -> String {
    let t = |zh: &str, en: &str| Bilingual::new(zh, en).get(lang).to_owned();
    match s {
        RungStatus::NotYet => t("未开始", "not yet"),
        RungStatus::Sent { at } => format!("{} {}", t("已发送", "sent"), short_date(*at)),
        RungStatus::Answered { at } => format!("{} {}", t("已答复", "answered"), short_date(*at)),
        RungStatus::Closed { at, .. } => format!("{} {}", t("已结束", "closed"), short_date(*at)),
    }
}

/// The case file in `lang`.
pub fn markdown(snap: &Snapshot, lang: Lang) -> String {
    let stored = snap.stored;
    let case = &stored.case;
    let a = &snap.analysis;
    let t = |zh: &str, en: &str| -> String { Bilingual::new(zh, en).get(lang).to_owned() };
    let b = |x: &Bilingual| -> String { x.get(lang).to_owned() };
    let dash = "—".to_owned();
    let mut o = String::new();

    // ---- header
    let _ = writeln!(
        o,
        "# {} — {} {}\n",
        b(&case.platform.display()),
        t("订单", "order"),
        case.order_id
    );
    let _ = writeln!(o, "| {} | |\n| --- | --- |", t("案件", "Case"));
    let mut row = |k: String, v: String| {
        let _ = writeln!(o, "| {} | {} |", cell(&k), cell(&v));
    };
    row(t("案件编号", "Case id"), stored.id.clone());
    row(t("平台", "Platform"), b(&case.platform.display()));
    row(t("订单号", "Order number"), case.order_id.clone());
    row(
        t("支付单号", "Payment numbers"),
        if case.payments.is_empty() {
            dash.clone()
        } else {
            case.payments
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    row(t("金额", "Amount"), case.amount.display());
    row(t("支付方式", "Method"), b(&case.method.label()));
    if let Some(l4) = &case.card_last4 {
        row(t("卡号后四位", "Card ending"), l4.clone());
    }
    row(t("下单时间", "Ordered at"), when(case.submitted_at));
    if let Some(item) = &case.item {
        row(t("购买内容", "Item"), item.clone());
    }
    if let Some(m) = &case.merchant {
        row(t("商户", "Merchant"), m.clone());
    }
    row(t("建档时间", "Case opened"), when(stored.created_at));
    row(t("本文件评估时间", "Evaluated as of"), when(a.now));

    // ---- timeline
    let _ = writeln!(o, "\n## {}\n", t("时间线", "Timeline"));
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
        t("环节", "Stage"),
        t("状态", "State"),
        t("时间", "Time"),
        t("来源", "Source"),
        t("原话", "Their words")
    );
    for s in &a.timeline.stages {
        let mut state = b(&s.state.label());
        if a.diagnosis.broken_link == Some(s.stage) {
            state.push_str(&t("（断点）", " (broken link)"));
        }
        if s.inferred {
            state.push_str(&t("（推断）", " (inferred)"));
        }
        let source = match (s.source, s.via) {
            (Some(k), Some(v)) => format!("{} · {}", b(&source_name(k, case)), b(&v.label())),
            (Some(k), None) => b(&source_name(k, case)),
            _ => dash.clone(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            cell(&b(&s.stage.label())),
            cell(&state),
            s.at.map(short_time).unwrap_or_else(|| dash.clone()),
            cell(&source),
            cell(s.raw.as_deref().unwrap_or("—"))
        );
    }
    for c in &a.conflicts {
        let _ = writeln!(o, "\n> ⚠ {}", b(&c.message));
    }

    // ---- diagnosis and next steps
    let d = &a.diagnosis;
    let _ = writeln!(o, "\n## {}\n", t("诊断", "Diagnosis"));
    let _ = writeln!(o, "**{}**\n", b(&d.title));
    if let Some(link) = d.broken_link {
        let _ = writeln!(o, "{}{}\n", t("断点：", "Broken link: "), b(&link.label()));
    }
    let _ = writeln!(o, "{}\n", b(&d.summary));
    let _ = writeln!(o, "{}{}", t("可能原因：", "Likely cause: "), b(&d.cause));
    if !d.evidence.is_empty() {
        let _ = writeln!(o, "\n{}\n", t("依据：", "Evidence:"));
        for e in &d.evidence {
            let _ = writeln!(o, "- {}", b(&e.text));
        }
    }
    let _ = writeln!(o, "\n## {}\n", t("下一步", "Next steps"));
    for (i, s) in a.next_steps.iter().enumerate() {
        let due = s
            .due
            .map(|d| format!("**[{}]** ", short_date(d)))
            .unwrap_or_default();
        let _ = writeln!(o, "{}. {due}{}", i + 1, b(&s.text));
        if let Some(p) = &s.problem {
            let _ = writeln!(o, "   {}", b(p));
        }
    }

    // ---- ladder
    let _ = writeln!(o, "\n## {}\n", t("升级阶梯", "Escalation ladder"));
    let _ = writeln!(
        o,
        "| | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- | --- |",
        t("对象", "To"),
        t("状态", "Status"),
        t("最早", "Earliest"),
        t("最晚", "Last day"),
        t("说明", "Why")
    );
    for r in &snap.rungs {
        let _ = writeln!(
            o,
            "| {}{} | {} | {} | {} | {} | {} |",
            r.step,
            if r.current { " ▶" } else { "" },
            cell(&b(&r.label)),
            cell(&status_text(&r.status, lang)),
            r.earliest.map(short_date).unwrap_or_else(|| dash.clone()),
            r.last.map(short_date).unwrap_or_else(|| dash.clone()),
            cell(&b(&r.why))
        );
    }

    // ---- correspondence
    let _ = writeln!(o, "\n## {}\n", t("往来记录", "Correspondence"));
    let mut messages: Vec<_> = stored.messages.iter().collect();
    messages.sort_by_key(|m| m.sent_at.unwrap_or(m.at));
    if messages.is_empty() {
        let _ = writeln!(o, "{}", t("还没有记录。", "Nothing recorded yet."));
    }
    for m in messages {
        let to = Audience::parse(&m.audience)
            .map(|x| b(&x.label()))
            .unwrap_or_else(|| m.audience.clone());
        let (what, date) = match (m.kind, m.sent_at) {
            (MessageKind::Complaint, Some(s)) => (t("发出", "Sent to"), short_time(s)),
            (MessageKind::Complaint, None) => (
                t("已写好，未标记发出", "Written (not marked sent) for"),
                short_time(m.at),
            ),
            (MessageKind::Answer, s) => {
                (t("收到答复", "Answer from"), short_time(s.unwrap_or(m.at)))
            }
            (MessageKind::Closed, s) => (t("结束", "Closed"), short_time(s.unwrap_or(m.at))),
        };
        let _ = writeln!(o, "### {date} · {what} {to}\n");
        if m.text.trim().is_empty() {
            let _ = writeln!(o, "{}\n", t("（无备注）", "(no note)"));
        } else {
            let _ = writeln!(o, "{}", quote(&m.text));
        }
    }

    // ---- checks
    let _ = writeln!(o, "## {}\n", t("检查记录", "Checks"));
    if stored.checks.is_empty() {
        let _ = writeln!(o, "{}", t("还没有保存的检查。", "No check kept yet."));
    } else {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |\n| --- | --- | --- | --- |",
            t("时间", "Time"),
            t("诊断", "Diagnosis"),
            t("断点", "Broken link"),
            t("摘要", "Summary")
        );
        for c in &stored.checks {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                short_time(c.at),
                cell(&c.code),
                cell(c.broken_link.as_deref().unwrap_or("—")),
                cell(&b(&c.summary))
            );
        }
    }

    // ---- evidence
    let _ = writeln!(o, "\n## {}\n", t("证据", "Evidence"));
    let _ = writeln!(o, "### {}\n", t("各方记录", "What each side shows"));
    if case.observations.is_empty() {
        let _ = writeln!(o, "{}", t("没有记录。", "None."));
    } else {
        let _ = writeln!(
            o,
            "| # | {} | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- | --- | --- |",
            t("时间", "Time"),
            t("来源", "Source"),
            t("渠道", "Via"),
            t("原话", "Their words"),
            t("金额", "Amount"),
            t("支付单号", "Payment number")
        );
        for (i, ob) in case.observations.iter().enumerate() {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                ob.at.map(short_time).unwrap_or_else(|| dash.clone()),
                cell(&b(&source_name(ob.source, case))),
                cell(&b(&ob.via.label())),
                cell(&ob.raw),
                ob.amount
                    .map(|x| case.money(x).display())
                    .unwrap_or_else(|| dash.clone()),
                cell(ob.payment_id.as_deref().unwrap_or("—"))
            );
        }
    }
    let _ = writeln!(o, "\n### {}\n", t("附件", "Attachments"));
    if case.attachments.is_empty() {
        let _ = writeln!(o, "{}", t("没有列出附件。", "No attachments listed."));
    }
    for (i, at) in case.attachments.iter().enumerate() {
        let mut line = format!("{}. {}", i + 1, b(&evidence_kind(at.kind)));
        if let Some(f) = &at.file {
            let _ = write!(line, ": `{}`", f.replace('`', "'"));
        }
        if let Some(n) = &at.note {
            let _ = write!(line, " — {n}");
        }
        let _ = writeln!(o, "{line}");
    }
    if !case.contacts.is_empty() {
        let _ = writeln!(o, "\n### {}\n", t("已联系过", "Already tried"));
        for c in &case.contacts {
            let mut line = format!("- {} {}", short_time(c.at), c.with);
            if let Some(n) = &c.note {
                let _ = write!(line, ": {n}");
            }
            if let Some(ans) = &c.answer {
                let _ = write!(line, " — {}{ans}", t("答复：", "answer: "));
            }
            let _ = writeln!(o, "{line}");
        }
    }
    let _ = writeln!(
        o,
        "\n---\n{}",
        t(
            "由 Daozhang 到账生成。时间均为下单所在时区；每条记录注明来源。",
            "Written by Daozhang 到账. Times are in the order's time zone; every record names its source."
        )
    );
    o
}
