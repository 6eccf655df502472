//! Why a file or a paste could not be read, in words the user can act on.

use std::path::Path;

use crate::domain::text::Bilingual;

use super::Format;
use super::archive::Lock;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("that is a folder, not a file")]
    NotAFile,
    #[error("the file is empty")]
    Empty,
    /// Not a format Daozhang reads; `looks_like` says what it seems to be.
    #[error("not a bill, SMS or receipt Daozhang reads (it looks like {})", looks_like.en)]
    Unrecognised { looks_like: Bilingual },
    /// Text in neither UTF-8 nor GBK/GB18030.
    #[error("the text is neither UTF-8 nor GBK")]
    Encoding,
    /// A known format whose header lacks columns it needs.
    #[error("a {} without the columns {}", format.label().en, missing.join(", "))]
    MissingColumns {
        format: Format,
        missing: Vec<String>,
    },
    /// The header of a known format never came.
    #[error("a {} whose table header is missing", format.label().en)]
    NoHeader { format: Format },
    /// The format was recognised but it holds no records.
    #[error("a {} with no records in it", format.label().en)]
    NoRecords { format: Format },
    /// A cell holds a formula instead of the exported value.
    #[error("cell {cell} holds the formula {formula} instead of the exported value")]
    Formula { cell: String, formula: String },
    /// The workbook cannot be opened: `part` says where it is broken.
    #[error("the Excel file cannot be read ({})", part.label().en)]
    Workbook { part: WorkbookPart },
    #[error("{} is too large to paste ({bytes} bytes, at most {limit})", what.en)]
    TooLarge {
        bytes: u64,
        limit: u64,
        what: Bilingual,
    },
    /// One CSV record is longer than any bill's row (a file that is one
    /// huge line): refused before it is held in memory.
    #[error("line {line} is longer than {limit} bytes")]
    RecordTooLong { line: u64, limit: u64 },
    /// A part of the workbook inflates beyond what any bill needs, or
    /// compresses far better than a spreadsheet does (a zip bomb): refused
    /// before the workbook reader opens it.
    #[error("the Excel file's part {part} would unpack to more than {limit} bytes")]
    WorkbookTooLarge { part: String, limit: u64 },
    /// The bill zip's entries are locked and no password was given.
    #[error("the zip is locked with a password")]
    PasswordNeeded { lock: Lock },
    /// The password does not open the bill zip.
    #[error("the password does not open the zip")]
    WrongPassword { lock: Lock },
    /// A 「用于证明材料」 PDF, not the 对账 table.
    #[error("a PDF statement, not the bill's table")]
    ProofPdf,
    /// A zip with no bill in it; `names` are the files it holds.
    #[error("a zip with no bill in it ({})", names.join(", "))]
    NoBillInArchive { names: Vec<String> },
    /// An entry of the zip would unpack to more than a bill needs, or
    /// compresses like a zip bomb.
    #[error("{entry} in the zip would unpack to more than {limit} bytes")]
    ArchiveTooLarge { entry: String, limit: u64 },
    /// The zip's directory or an entry cannot be read.
    #[error("the zip is damaged or incomplete")]
    DamagedArchive,
    /// The zip uses a compression or encryption Daozhang does not read.
    #[error("the zip uses a method Daozhang does not read")]
    UnsupportedArchive,
    /// The image cannot be decoded (cut short, or not the image it claims).
    #[error("the image is damaged or incomplete")]
    DamagedImage,
    /// An image far larger than any phone screenshot.
    #[error("the image is {width}×{height} pixels, larger than any screenshot")]
    ImageTooLarge { width: u32, height: u32 },
    /// The OCR engine or its Chinese and English models are not installed.
    #[error("the text recognition (Tesseract with chi_sim and eng) is not installed")]
    OcrUnavailable,
    /// A screenshot of a screen Daozhang does not read.
    #[error("the screenshot shows no bill details, order page or bank SMS")]
    ScreenUnrecognised,
    /// A case is drafted from screenshots only; this is another input.
    #[error("a {} is not a screenshot: a case is drafted from screenshots", format.label().en)]
    NotAScreenshot { format: Format },
    #[error("cancelled")]
    Cancelled,
}

/// Where a workbook is broken, named by its part inside the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkbookPart {
    /// The zip itself: cut short or not a zip at all.
    Archive,
    /// A part that is there but cannot be unpacked or read.
    Part(String),
    /// A part the workbook names that is not in the zip.
    Missing(String),
}

impl WorkbookPart {
    pub fn label(&self) -> Bilingual {
        match self {
            WorkbookPart::Archive => {
                Bilingual::new("压缩包的目录读不出来", "its zip directory cannot be read")
            }
            WorkbookPart::Part(p) => Bilingual::new(
                format!("其中的 {p} 读不出来"),
                format!("its part {p} cannot be read"),
            ),
            WorkbookPart::Missing(p) => Bilingual::new(
                format!("缺少其中的 {p}"),
                format!("its part {p} is missing"),
            ),
        }
    }
}

impl EvidenceError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::Interrupted
            && source.to_string() == super::decode::CANCELLED
        {
            return EvidenceError::Cancelled;
        }
        EvidenceError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// Names the file in an I/O error raised where it was not known.
    pub(crate) fn at(self, path: &Path) -> Self {
        match self {
            EvidenceError::Io { path: p, source } if p.is_empty() => EvidenceError::Io {
                path: path.display().to_string(),
                source,
            },
            other => other,
        }
    }

    /// What the user reads: what is wrong and what to do, in both languages.
    pub fn text(&self) -> Bilingual {
        match self {
            EvidenceError::Io { path, source } => {
                let why = io_reason(source);
                Bilingual::new(
                    format!("无法读取 {path}：{}", why.zh_cn),
                    format!("Cannot read {path}: {}", why.en),
                )
            }
            EvidenceError::NotAFile => Bilingual::new(
                "这是一个文件夹，请选择账单文件本身。",
                "That is a folder: choose the bill file itself.",
            ),
            EvidenceError::Empty => Bilingual::new(
                "文件是空的：请重新导出账单。",
                "The file is empty: export the bill again.",
            ),
            EvidenceError::Unrecognised { looks_like } => Bilingual::new(
                format!(
                    "这不是到账能读取的账单、短信或交易详情（看起来是{}）。可读取：支付宝账单 CSV、微信支付账单 CSV / Excel、银行扣款短信、交易详情页文字。",
                    looks_like.zh_cn
                ),
                format!(
                    "This is not a bill, SMS or receipt Daozhang reads (it looks like {}). Daozhang reads Alipay bill CSVs, WeChat Pay bills (CSV or Excel), bank debit SMS and the text of a transaction detail page.",
                    looks_like.en
                ),
            ),
            EvidenceError::Encoding => Bilingual::new(
                "文字编码既不是 UTF-8 也不是 GBK：文件可能已损坏，或被其他程序另存过。请使用 App 导出的原始文件。",
                "The text is neither UTF-8 nor GBK: the file may be damaged or re-saved by another program. Use the file exactly as the app exported it.",
            ),
            EvidenceError::MissingColumns { format, missing } => {
                let f = format.label();
                Bilingual::new(
                    format!(
                        "这像是{}，但缺少这些列：{}。文件可能被编辑过，或是另一种版式；请使用 App 导出的原始文件。",
                        f.zh_cn,
                        missing.join("、")
                    ),
                    format!(
                        "This looks like an {} but lacks the columns {}. It may have been edited, or it is another layout: use the file exactly as the app exported it.",
                        f.en,
                        missing.join(", ")
                    ),
                )
            }
            EvidenceError::NoHeader { format } => {
                let f = format.label();
                Bilingual::new(
                    format!(
                        "这像是{}，但找不到表头：文件可能不完整。请重新导出。",
                        f.zh_cn
                    ),
                    format!(
                        "This looks like an {} but its table header is missing: the file seems incomplete. Export it again.",
                        f.en
                    ),
                )
            }
            EvidenceError::NoRecords { format } => {
                let f = format.label();
                Bilingual::new(
                    format!(
                        "这是{}，但里面没有任何记录。请确认导出的时间范围包含下单那天。",
                        f.zh_cn
                    ),
                    format!(
                        "This is an {} but it holds no records. Check that the export's date range includes the day of the order.",
                        f.en
                    ),
                )
            }
            EvidenceError::Formula { cell, formula } => Bilingual::new(
                format!(
                    "单元格 {cell} 里是公式（{formula}），不是导出的原始数值：这个文件在导出后被编辑过。请使用微信导出的原始文件。"
                ),
                format!(
                    "Cell {cell} holds a formula ({formula}) instead of the exported value: the file was edited after export. Use the file exactly as WeChat exported it."
                ),
            ),
            EvidenceError::Workbook { part } => Bilingual::new(
                format!(
                    "无法打开这个 Excel 文件：文件已损坏或不完整（{}）。请重新下载或导出。",
                    part.label().zh_cn
                ),
                format!(
                    "This Excel file cannot be opened: it is damaged or incomplete ({}). Download or export it again.",
                    part.label().en
                ),
            ),
            EvidenceError::TooLarge { bytes, limit, what } => Bilingual::new(
                format!(
                    "{}太大（{} KB，最多 {} KB）：请只粘贴相关的短信或详情。",
                    what.zh_cn,
                    bytes / 1024,
                    limit / 1024
                ),
                format!(
                    "The {} is too large ({} KB, at most {} KB): paste only the SMS or details that matter.",
                    what.en,
                    bytes / 1024,
                    limit / 1024
                ),
            ),
            EvidenceError::RecordTooLong { line, limit } => Bilingual::new(
                format!(
                    "第 {line} 行超过 {} KB，账单的一行不会这么长：这不是 App 导出的原始账单，或文件已损坏。请重新导出。",
                    limit / 1024
                ),
                format!(
                    "Line {line} is longer than {} KB, far more than any bill's row: this is not the bill as the app exported it, or the file is damaged. Export it again.",
                    limit / 1024
                ),
            ),
            EvidenceError::WorkbookTooLarge { part, limit } => Bilingual::new(
                format!(
                    "这个 Excel 文件里的 {part} 解压后超过 {} MB，或压缩比异常：不是微信导出的账单（可能是恶意构造的压缩包），已拒绝读取。请使用微信导出的原始文件。",
                    limit >> 20
                ),
                format!(
                    "The part {part} of this Excel file would unpack to more than {} MB, or compresses far better than any spreadsheet: it is not a bill as WeChat exports it (it may be a crafted archive) and was not opened. Use the file exactly as WeChat exported it.",
                    limit >> 20
                ),
            ),
            EvidenceError::PasswordNeeded { lock } => {
                let hint = lock.hint();
                Bilingual::new(
                    format!("这个账单压缩包有密码，请输入解压密码。{}", hint.zh_cn),
                    format!("This bill zip is locked: enter its password. {}", hint.en),
                )
            }
            EvidenceError::WrongPassword { lock } => {
                let hint = lock.hint();
                Bilingual::new(
                    format!("密码不对，压缩包没有打开。{}请核对后重新输入。", hint.zh_cn),
                    format!(
                        "That password does not open the zip. {} Check it and enter it again.",
                        hint.en
                    ),
                )
            }
            EvidenceError::ProofPdf => Bilingual::new(
                format!(
                    "这是 PDF 版的交易流水（用途「用于证明材料」），里面没有可以读取的表格。请重新申请对账用的账单：{}",
                    exports().zh_cn
                ),
                format!(
                    "This is the PDF statement (made 「用于证明材料」, as proof), which holds no table to read. Ask for the bill made for checking instead: {}",
                    exports().en
                ),
            ),
            EvidenceError::NoBillInArchive { names } => {
                let (zh, en) = if names.is_empty() {
                    ("压缩包是空的".to_owned(), "The zip is empty".to_owned())
                } else {
                    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
                    let more = if names.len() > 5 { " …" } else { "" };
                    (
                        format!("压缩包里没有账单（里面是：{}{more}）", shown.join("、")),
                        format!(
                            "The zip holds no bill (it holds {}{more})",
                            shown.join(", ")
                        ),
                    )
                };
                Bilingual::new(
                    format!("{zh}。请选择支付宝或微信发给你的账单压缩包，或里面的账单文件。"),
                    format!(
                        "{en}. Choose the bill zip Alipay or WeChat Pay sent you, or the bill file inside it."
                    ),
                )
            }
            EvidenceError::ArchiveTooLarge { entry, limit } => Bilingual::new(
                format!(
                    "压缩包里的 {entry} 解压后超过 {} MB，或压缩比异常：不是支付 App 发送的账单（可能是恶意构造的压缩包），已拒绝读取。",
                    limit >> 20
                ),
                format!(
                    "{entry} in this zip would unpack to more than {} MB, or compresses far better than any bill: it is not a bill as the payment app sends it (it may be a crafted archive) and was not opened.",
                    limit >> 20
                ),
            ),
            EvidenceError::DamagedArchive => Bilingual::new(
                "压缩包已损坏或没有下载完整，打不开。请重新下载（微信账单的下载链接 7 天内有效）。",
                "The zip is damaged or was not downloaded completely, and cannot be opened. Download it again (a WeChat Pay bill's download link is valid for 7 days).",
            ),
            EvidenceError::UnsupportedArchive => Bilingual::new(
                "这个压缩包用了到账不支持的压缩或加密方式：请先用解压软件解开，再选择里面的账单文件。",
                "This zip uses a compression or encryption Daozhang does not read: unpack it with an archive tool first and choose the bill file inside.",
            ),
            EvidenceError::DamagedImage => Bilingual::new(
                "图片已损坏或不完整，打不开：请重新截图，或保存原图后再选择。",
                "The image is damaged or incomplete and cannot be opened: take the screenshot again, or save the original image and choose that.",
            ),
            EvidenceError::ImageTooLarge { width, height } => Bilingual::new(
                format!("图片有 {width}×{height} 像素，比手机截图大得多：请选择手机上的截图原图。"),
                format!(
                    "The image is {width}×{height} pixels, far larger than a phone screenshot: choose the screenshot as the phone saved it."
                ),
            ),
            EvidenceError::OcrUnavailable => Bilingual::new(
                "这台电脑上没有安装文字识别组件（Tesseract 及其简体中文、英文数据），无法读取截图。请重新安装到账，或安装 tesseract-ocr、tesseract-ocr-chi-sim 和 tesseract-ocr-eng。",
                "Text recognition (Tesseract with its simplified Chinese and English data) is not installed on this computer, so screenshots cannot be read. Reinstall Daozhang, or install tesseract-ocr, tesseract-ocr-chi-sim and tesseract-ocr-eng.",
            ),
            EvidenceError::ScreenUnrecognised => Bilingual::new(
                "这张截图里没有找到账单详情、订单信息或银行短信。可读取的截图：支付宝或微信的「账单详情」、平台的订单详情页、银行扣款短信。请截取完整的页面。",
                "No bill details, order page or bank SMS was found on this screenshot. Daozhang reads screenshots of Alipay's or WeChat Pay's bill details (账单详情), the platform's order page and bank debit SMS. Take a screenshot of the whole page.",
            ),
            EvidenceError::NotAScreenshot { format } => {
                let f = format.label();
                Bilingual::new(
                    format!(
                        "这是{}，不是截图：草拟案件只读取截图（账单详情、订单页、银行短信）。案件建好后，可以把它作为证据加入。",
                        f.zh_cn
                    ),
                    format!(
                        "This is an {}, not a screenshot: a case is drafted from screenshots only (bill details, the order page, bank SMS). Add it as evidence once the case exists.",
                        f.en
                    ),
                )
            }
            EvidenceError::Cancelled => Bilingual::new("已取消读取。", "Reading was cancelled."),
        }
    }
}

/// Where each app makes the bill for checking (the 对账 export).
fn exports() -> Bilingual {
    Bilingual::new(
        "微信：我 → 服务 → 钱包 → 账单 → 常见问题 → 下载账单 → 用于个人对账；支付宝：我的 → 账单 → ··· → 开具交易流水证明 → 用于个人对账。",
        "in WeChat, Me → Services → Wallet → Bills → FAQ → Download bill → 「用于个人对账」 (for personal reconciliation); in Alipay, Me → Bills → ··· → 「开具交易流水证明」 (issue a statement) → 「用于个人对账」.",
    )
}

/// Why a file cannot be read, in the user's words (never the system's text).
fn io_reason(e: &std::io::Error) -> Bilingual {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => Bilingual::new(
            "文件不存在（可能已被移动或删除）",
            "the file is not there (it may have been moved or deleted)",
        ),
        K::PermissionDenied => Bilingual::new(
            "没有读取这个文件的权限",
            "you are not allowed to read this file",
        ),
        K::UnexpectedEof => Bilingual::new("文件不完整", "the file is incomplete"),
        K::InvalidData => Bilingual::new("文件内容已损坏", "its content is damaged"),
        _ => match e.raw_os_error() {
            Some(code) => Bilingual::new(
                format!("系统读取出错（错误码 {code}）"),
                format!("the system could not read it (error {code})"),
            ),
            None => Bilingual::new("读取时出错", "reading it failed"),
        },
    }
}
