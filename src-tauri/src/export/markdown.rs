//! The case file as Markdown, in one language.

use std::fmt::Write;

use super::Snapshot;
use crate::domain::case::EvidenceKind;
use crate::domain::diagnosis::{short_date, short_time};
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

/// The files kept with a case, copied beside its Markdown file: the
/// folder's name relative to the Markdown file, and the file names in it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Linked<'a> {
    pub folder: &'a str,
    pub names: &'a [String],
}

/// The case file in `lang`.
pub fn markdown(snap: &Snapshot, lang: Lang) -> String {
    markdown_linked(snap, lang, Linked::default())
}

/// The case file in `lang`, its attachments linked to the copies in
/// `files.folder` (screenshots shown in the page); a kept file no
/// attachment names is listed too.
pub fn markdown_linked(snap: &Snapshot, lang: Lang, files: Linked) -> String {
    let mut page = Page {
        snap,
        l: In(lang),
        o: String::new(),
        files,
    };
    page.header();
    page.timeline();
    page.diagnosis();
    page.next_steps();
    page.ladder();
    page.correspondence();
    page.checks();
    page.observations();
    page.attachments();
    page.contacts();
    page.footer();
    page.o
}

const DASH: &str = "—";

/// Texts put in the file's one language.
#[derive(Clone, Copy)]
struct In(Lang);

impl In {
    /// A fixed text, given in both languages.
    fn t(self, zh: &str, en: &str) -> String {
        Bilingual::new(zh, en).get(self.0).to_owned()
    }

    /// A text of the case, in both languages.
    fn b(self, x: &Bilingual) -> String {
        x.get(self.0).to_owned()
    }
}

/// The case file being written, section by section.
struct Page<'a> {
    snap: &'a Snapshot<'a>,
    l: In,
    o: String,
    files: Linked<'a>,
}

impl Page<'_> {
    /// One row of a two-column table.
    fn row(&mut self, k: String, v: String) {
        let _ = writeln!(self.o, "| {} | {} |", cell(&k), cell(&v));
    }

    /// The title and the case's facts: IDs, amount, method, times.
    fn header(&mut self) {
        let (stored, l) = (self.snap.stored, self.l);
        let case = &stored.case;
        let _ = writeln!(
            self.o,
            "# {} — {} {}\n",
            l.b(&case.platform.display()),
            l.t("订单", "order"),
            case.order_id
        );
        let _ = writeln!(self.o, "| {} | |\n| --- | --- |", l.t("案件", "Case"));
        self.row(l.t("案件编号", "Case id"), stored.id.clone());
        self.row(l.t("平台", "Platform"), l.b(&case.platform.display()));
        self.row(l.t("订单号", "Order number"), case.order_id.clone());
        self.row(
            l.t("支付单号", "Payment numbers"),
            if case.payments.is_empty() {
                DASH.to_owned()
            } else {
                case.payments
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        self.row(l.t("金额", "Amount"), case.amount.display());
        self.row(l.t("支付方式", "Method"), l.b(&case.method.label()));
        if let Some(l4) = &case.card_last4 {
            self.row(l.t("卡号后四位", "Card ending"), l4.clone());
        }
        self.row(l.t("下单时间", "Ordered at"), when(case.submitted_at));
        if let Some(item) = &case.item {
            self.row(l.t("购买内容", "Item"), item.clone());
        }
        if let Some(m) = &case.merchant {
            self.row(l.t("商户", "Merchant"), m.clone());
        }
        self.row(l.t("建档时间", "Case opened"), when(stored.created_at));
        self.row(
            l.t("本文件评估时间", "Evaluated as of"),
            when(self.snap.analysis.now),
        );
    }

    /// The stages as a table (the broken link and inferred states marked),
    /// then the sources' conflicts.
    fn timeline(&mut self) {
        let (a, l) = (&self.snap.analysis, self.l);
        let case = &self.snap.stored.case;
        let _ = writeln!(self.o, "\n## {}\n", l.t("时间线", "Timeline"));
        let _ = writeln!(
            self.o,
            "| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
            l.t("环节", "Stage"),
            l.t("状态", "State"),
            l.t("时间", "Time"),
            l.t("来源", "Source"),
            l.t("原话", "Their words")
        );
        for s in &a.timeline.stages {
            let mut state = l.b(&s.state.label());
            if a.diagnosis.broken_link == Some(s.stage) {
                state.push_str(&l.t("（断点）", " (broken link)"));
            }
            if s.inferred {
                state.push_str(&l.t("（推断）", " (inferred)"));
            }
            let source = match (s.source, s.via) {
                (Some(k), Some(v)) => {
                    format!("{} · {}", l.b(&source_name(k, case)), l.b(&v.label()))
                }
                (Some(k), None) => l.b(&source_name(k, case)),
                _ => DASH.to_owned(),
            };
            let _ = writeln!(
                self.o,
                "| {} | {} | {} | {} | {} |",
                cell(&l.b(&s.stage.label())),
                cell(&state),
                s.at.map(short_time).unwrap_or_else(|| DASH.to_owned()),
                cell(&source),
                cell(s.raw.as_deref().unwrap_or(DASH))
            );
        }
        for c in &a.conflicts {
            let _ = writeln!(self.o, "\n> ⚠ {}", l.b(&c.message));
        }
    }

    /// The diagnosis: title, broken link, summary, cause and evidence.
    fn diagnosis(&mut self) {
        let (d, l) = (&self.snap.analysis.diagnosis, self.l);
        let _ = writeln!(self.o, "\n## {}\n", l.t("诊断", "Diagnosis"));
        let _ = writeln!(self.o, "**{}**\n", l.b(&d.title));
        if let Some(link) = d.broken_link {
            let _ = writeln!(
                self.o,
                "{}{}\n",
                l.t("断点：", "Broken link: "),
                l.b(&link.label())
            );
        }
        let _ = writeln!(self.o, "{}\n", l.b(&d.summary));
        let _ = writeln!(
            self.o,
            "{}{}",
            l.t("可能原因：", "Likely cause: "),
            l.b(&d.cause)
        );
        if !d.evidence.is_empty() {
            let _ = writeln!(self.o, "\n{}\n", l.t("依据：", "Evidence:"));
            for e in &d.evidence {
                let _ = writeln!(self.o, "- {}", l.b(&e.text));
            }
        }
    }

    /// The next steps, numbered, each with its date and why it has none.
    fn next_steps(&mut self) {
        let l = self.l;
        let _ = writeln!(self.o, "\n## {}\n", l.t("下一步", "Next steps"));
        for (i, s) in self.snap.analysis.next_steps.iter().enumerate() {
            let due = s
                .due
                .map(|d| format!("**[{}]** ", short_date(d)))
                .unwrap_or_default();
            let _ = writeln!(self.o, "{}. {due}{}", i + 1, l.b(&s.text));
            if let Some(p) = &s.problem {
                let _ = writeln!(self.o, "   {}", l.b(p));
            }
        }
    }

    /// The escalation ladder as a table, the current rung marked.
    fn ladder(&mut self) {
        let l = self.l;
        let _ = writeln!(self.o, "\n## {}\n", l.t("升级阶梯", "Escalation ladder"));
        let _ = writeln!(
            self.o,
            "| | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- | --- |",
            l.t("对象", "To"),
            l.t("状态", "Status"),
            l.t("最早", "Earliest"),
            l.t("最晚", "Last day"),
            l.t("说明", "Why")
        );
        for r in &self.snap.rungs {
            let _ = writeln!(
                self.o,
                "| {}{} | {} | {} | {} | {} | {} |",
                r.step,
                if r.current { " ▶" } else { "" },
                cell(&l.b(&r.label)),
                cell(&status_text(&r.status, l.0)),
                r.earliest
                    .map(short_date)
                    .unwrap_or_else(|| DASH.to_owned()),
                r.last.map(short_date).unwrap_or_else(|| DASH.to_owned()),
                cell(&l.b(&r.why))
            );
        }
    }

    /// The messages sent and answered, oldest first, each quoted.
    fn correspondence(&mut self) {
        let (stored, l) = (self.snap.stored, self.l);
        let _ = writeln!(self.o, "\n## {}\n", l.t("往来记录", "Correspondence"));
        let mut messages: Vec<_> = stored.messages.iter().collect();
        messages.sort_by_key(|m| m.sent_at.unwrap_or(m.at));
        if messages.is_empty() {
            let _ = writeln!(self.o, "{}", l.t("还没有记录。", "Nothing recorded yet."));
        }
        for m in messages {
            let to = l.b(&m.audience.label());
            let (what, date) = message_heading(m.kind, m.sent_at, m.at, l);
            let _ = writeln!(self.o, "### {date} · {what} {to}\n");
            if m.text.trim().is_empty() {
                let _ = writeln!(self.o, "{}\n", l.t("（无备注）", "(no note)"));
            } else {
                let _ = writeln!(self.o, "{}", quote(&m.text));
            }
        }
    }

    /// The checks kept, as a table.
    fn checks(&mut self) {
        let (stored, l) = (self.snap.stored, self.l);
        let _ = writeln!(self.o, "## {}\n", l.t("检查记录", "Checks"));
        if stored.checks.is_empty() {
            let _ = writeln!(
                self.o,
                "{}",
                l.t("还没有保存的检查。", "No check kept yet.")
            );
            return;
        }
        let _ = writeln!(
            self.o,
            "| {} | {} | {} | {} |\n| --- | --- | --- | --- |",
            l.t("时间", "Time"),
            l.t("诊断", "Diagnosis"),
            l.t("断点", "Broken link"),
            l.t("摘要", "Summary")
        );
        for c in &stored.checks {
            let _ = writeln!(
                self.o,
                "| {} | {} | {} | {} |",
                short_time(c.at),
                cell(&c.code),
                cell(c.broken_link.as_deref().unwrap_or(DASH)),
                cell(&l.b(&c.summary))
            );
        }
    }

    /// The evidence, first what each side shows, as a numbered table.
    fn observations(&mut self) {
        let (case, l) = (&self.snap.stored.case, self.l);
        let _ = writeln!(self.o, "\n## {}\n", l.t("证据", "Evidence"));
        let _ = writeln!(self.o, "### {}\n", l.t("各方记录", "What each side shows"));
        if case.observations.is_empty() {
            let _ = writeln!(self.o, "{}", l.t("没有记录。", "None."));
            return;
        }
        let _ = writeln!(
            self.o,
            "| # | {} | {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- | --- | --- |",
            l.t("时间", "Time"),
            l.t("来源", "Source"),
            l.t("渠道", "Via"),
            l.t("原话", "Their words"),
            l.t("金额", "Amount"),
            l.t("支付单号", "Payment number")
        );
        for (i, ob) in case.observations.iter().enumerate() {
            let _ = writeln!(
                self.o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                ob.at.map(short_time).unwrap_or_else(|| DASH.to_owned()),
                cell(&l.b(&source_name(ob.source, case))),
                cell(&l.b(&ob.via.label())),
                cell(&ob.raw),
                ob.amount
                    .map(|x| case.money(x).display())
                    .unwrap_or_else(|| DASH.to_owned()),
                cell(ob.payment_id.as_deref().unwrap_or(DASH))
            );
        }
    }

    /// The attachments listed, numbered, with their files and notes.
    fn attachments(&mut self) {
        let (case, l) = (&self.snap.stored.case, self.l);
        let _ = writeln!(self.o, "\n### {}\n", l.t("附件", "Attachments"));
        if case.attachments.is_empty() {
            let _ = writeln!(
                self.o,
                "{}",
                l.t("没有列出附件。", "No attachments listed.")
            );
        }
        let mut linked: Vec<&str> = Vec::new();
        let mut images: Vec<String> = Vec::new();
        for (i, at) in case.attachments.iter().enumerate() {
            let mut line = format!("{}. {}", i + 1, l.b(&evidence_kind(at.kind)));
            if let Some(f) = &at.file {
                let _ = write!(line, ": `{}`", f.replace('`', "'"));
                let name = f.rsplit(['/', '\\']).next().unwrap_or(f);
                if let Some(kept) = self.files.names.iter().find(|k| k.as_str() == name) {
                    let _ = write!(line, " ({})", self.link(kept, &mut images));
                    linked.push(kept);
                }
            }
            if let Some(n) = &at.note {
                let _ = write!(line, " — {n}");
            }
            let _ = writeln!(self.o, "{line}");
        }
        let mut n = case.attachments.len();
        for kept in self.files.names {
            if linked.contains(&kept.as_str()) {
                continue;
            }
            n += 1;
            let link = self.link(kept, &mut images);
            let _ = writeln!(
                self.o,
                "{n}. {}: {link}",
                l.t("随本记录保存的文件", "kept with the case")
            );
        }
        for image in images {
            let _ = writeln!(self.o, "\n{image}");
        }
    }

    /// A link to the kept file `name`; a screenshot is also queued to be
    /// shown below the list.
    fn link(&self, name: &str, images: &mut Vec<String>) -> String {
        let target = format!("<{}/{}>", self.files.folder, name.replace(['<', '>'], "_"));
        let text = name.replace(['[', ']'], "_");
        let lower = name.to_lowercase();
        if [".png", ".jpg", ".jpeg", ".webp"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            images.push(format!("![{text}]({target})"));
        }
        format!("[{}]({target})", self.l.t("打开", "open"))
    }

    /// Whom the user already tried, if anyone, and what they answered.
    fn contacts(&mut self) {
        let (case, l) = (&self.snap.stored.case, self.l);
        if case.contacts.is_empty() {
            return;
        }
        let _ = writeln!(self.o, "\n### {}\n", l.t("已联系过", "Already tried"));
        for c in &case.contacts {
            let mut line = format!("- {} {}", short_time(c.at), c.with);
            if let Some(n) = &c.note {
                let _ = write!(line, ": {n}");
            }
            if let Some(ans) = &c.answer {
                let _ = write!(line, " — {}{ans}", l.t("答复：", "answer: "));
            }
            let _ = writeln!(self.o, "{line}");
        }
    }

    /// Who wrote the file and how to read its times.
    fn footer(&mut self) {
        let _ = writeln!(
            self.o,
            "\n---\n{}",
            self.l.t(
                "由 Daozhang 到账生成。时间均为下单所在时区；每条记录注明来源。",
                "Written by Daozhang 到账. Times are in the order's time zone; every record names its source."
            )
        );
    }
}

/// What a message was (sent, written but not sent, an answer, the end)
/// and its date.
fn message_heading(
    kind: MessageKind,
    sent_at: Option<Moment>,
    at: Moment,
    l: In,
) -> (String, String) {
    match (kind, sent_at) {
        (MessageKind::Complaint, Some(s)) => (l.t("发出", "Sent to"), short_time(s)),
        (MessageKind::Complaint, None) => (
            l.t("已写好，未标记发出", "Written (not marked sent) for"),
            short_time(at),
        ),
        (MessageKind::Answer, s) => (l.t("收到答复", "Answer from"), short_time(s.unwrap_or(at))),
        (MessageKind::Closed, s) => (l.t("结束", "Closed"), short_time(s.unwrap_or(at))),
    }
}
