//! A bill sent as a zip: the e-mailed 对账 exports.
//!
//! WeChat Pay's 「下载账单 → 用于个人对账」 link returns a zip locked with
//! classic ZipCrypto and a 6-digit password sent by the 「微信支付」 official
//! account; Alipay's 「开具交易流水证明 → 用于个人对账」 mail attaches a WinZip
//! AES-256 zip whose password is in 支付宝「服务消息」. Both hold the CSV or
//! Excel bill the readers know. See shared/reference/channels.md.
//!
//! A file starting with `PK` is an Excel workbook only when it has the
//! workbook's parts; any other zip is opened here: its first bill is
//! unpacked into memory (never to disk), bounded by [`MAX_BILL_BYTES`], and
//! read like the file it is. The password is never kept.

use std::borrow::Cow;
use std::fmt;
use std::io::{Read, Seek};

use serde::Serialize;
use zip::ZipArchive;
use zip::result::ZipError;

use super::{EvidenceError, Format, Progress, detect};
use crate::domain::text::Bilingual;

/// The most a bill inside a zip may unpack to: it is held in memory while
/// it is read. A year of either app's bill is a few MB.
pub const MAX_BILL_BYTES: u64 = 128 << 20;
/// Bills deflate about 5–20×; a zip bomb about 1000×.
const MAX_RATIO: u64 = 200;
/// Entries smaller than this may compress as well as they like.
const RATIO_FREE: u64 = 1 << 20;
/// The most entries a bill zip is looked through for its bill.
const MAX_ENTRIES: usize = 1_000;
/// Unpacked bytes between progress reports.
const BLOCK: usize = 256 << 10;

/// What locks an entry, which says where its password was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Lock {
    /// Classic ZipCrypto: WeChat Pay's bill zip.
    ZipCrypto,
    /// WinZip AES: Alipay's bill zip.
    Aes,
}

impl Lock {
    /// Where the user finds the password.
    pub fn hint(self) -> Bilingual {
        match self {
            Lock::ZipCrypto => Bilingual::new(
                "微信账单压缩包的解压密码是 6 位数字，由「微信支付」公众号在你申请下载账单后发送。",
                "A WeChat Pay bill zip's password is 6 digits, sent by the 「微信支付」 (WeChat Pay) official account after you asked for the bill.",
            ),
            Lock::Aes => Bilingual::new(
                "支付宝账单压缩包的解压密码在支付宝「服务消息」里（申请交易流水证明后发送）。",
                "An Alipay bill zip's password is in Alipay's 「服务消息」 (service messages), sent after you asked for the statement.",
            ),
        }
    }
}

/// A zip password as the user typed it: never printed, wiped when dropped.
#[derive(Clone)]
pub struct Password(zeroize::Zeroizing<String>);

impl Password {
    /// The password in `text`, without the line break a file or a terminal
    /// adds; `None` when nothing is left.
    pub fn new(text: impl Into<String>) -> Option<Password> {
        let mut text = zeroize::Zeroizing::new(text.into());
        let kept = text.trim_end_matches(['\r', '\n']).len();
        text.truncate(kept);
        (!text.is_empty()).then_some(Password(text))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// A zip, told apart.
pub(crate) enum Zip<R> {
    /// An Excel workbook: the reader given back, to read as one.
    Workbook(R),
    /// A bill found inside, unpacked.
    Bill(Vec<u8>),
}

/// Opens the zip `input` of `size` bytes: a workbook is given back as it
/// is; from any other zip the first bill is unpacked with `password`.
/// `progress` is told the share unpacked (out of `size`) and may cancel.
pub(crate) fn open<R: Read + Seek>(
    mut input: R,
    size: u64,
    password: Option<&Password>,
    progress: &mut Progress<'_>,
) -> Result<Zip<R>, EvidenceError> {
    let mut zip = match ZipArchive::new(&mut input) {
        Ok(zip) => zip,
        Err(_) => return Err(unreadable(&mut input)),
    };
    if is_workbook(&zip) {
        drop(zip);
        input
            .seek(std::io::SeekFrom::Start(0))
            .map_err(|e| EvidenceError::io(std::path::Path::new(""), e))?;
        return Ok(Zip::Workbook(input));
    }
    let mut names = Vec::new();
    let mut pdf = false;
    for i in 0..zip.len().min(MAX_ENTRIES) {
        let (name, lock) = {
            let entry = zip
                .by_index_raw(i)
                .map_err(|_| EvidenceError::DamagedArchive)?;
            if !entry.is_file() {
                continue;
            }
            let name = entry_name(entry.name_raw());
            if ignored(&name) {
                continue;
            }
            if !fits(entry.size(), entry.compressed_size()) {
                return Err(EvidenceError::ArchiveTooLarge {
                    entry: name,
                    limit: MAX_BILL_BYTES,
                });
            }
            let lock = entry.encrypted().then(|| lock_of(&entry));
            (name, lock)
        };
        let bytes = match (lock, password) {
            (Some(lock), None) => return Err(EvidenceError::PasswordNeeded { lock }),
            (Some(lock), Some(p)) => unpack(
                zip.by_index_decrypt(i, p.bytes()),
                Some(lock),
                size,
                progress,
            )?,
            (None, _) => unpack(zip.by_index(i), None, size, progress)?,
        };
        match detect::detect(&bytes[..bytes.len().min(detect::HEAD_BYTES)]) {
            Ok(Format::AlipayApp | Format::AlipayWeb | Format::WechatCsv) => {
                return Ok(Zip::Bill(bytes));
            }
            // A zip inside is a bill only when it is a workbook.
            Ok(Format::WechatXlsx) if has_workbook_parts(&bytes) => return Ok(Zip::Bill(bytes)),
            Err(EvidenceError::ProofPdf) => pdf = true,
            _ => {}
        }
        names.push(name);
    }
    if pdf {
        return Err(EvidenceError::ProofPdf);
    }
    Err(EvidenceError::NoBillInArchive { names })
}

/// Whether `zip` has the parts every workbook has.
fn is_workbook<R: Read + Seek>(zip: &ZipArchive<R>) -> bool {
    zip.index_for_name("[Content_Types].xml").is_some()
        && (zip.index_for_name("_rels/.rels").is_some()
            || zip.index_for_name("xl/workbook.xml").is_some())
}

/// Whether the unpacked `bytes` are a workbook (and not another zip).
fn has_workbook_parts(bytes: &[u8]) -> bool {
    ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|z| is_workbook(&z))
}

/// Why a zip whose directory cannot be read is not opened: a workbook is
/// damaged when its first entry is a workbook's part, else the zip is.
fn unreadable<R: Read + Seek>(input: &mut R) -> EvidenceError {
    let mut local = [0u8; 30 + 64];
    let read = input
        .seek(std::io::SeekFrom::Start(0))
        .and_then(|_| input.read(&mut local));
    let first = match read {
        Ok(n) if n > 30 => {
            let len = usize::from(u16::from_le_bytes([local[26], local[27]]));
            local[30..n.min(30 + len)].to_vec()
        }
        _ => Vec::new(),
    };
    let workbook_part = [&b"[Content_Types].xml"[..], b"_rels/", b"xl/", b"docProps/"]
        .iter()
        .any(|p| first.starts_with(p));
    if workbook_part {
        EvidenceError::Workbook {
            part: super::error::WorkbookPart::Archive,
        }
    } else {
        EvidenceError::DamagedArchive
    }
}

/// An entry's name as the user's unzip tool shows it: UTF-8, or GBK as
/// Chinese Windows writes names without the UTF-8 flag.
fn entry_name(raw: &[u8]) -> String {
    let name = match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(raw).0,
    };
    name.chars().take(120).collect()
}

/// Folders' and systems' extras that are never the bill.
fn ignored(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    name.starts_with("__MACOSX/") || file.starts_with('.') || file.eq_ignore_ascii_case("Thumbs.db")
}

fn fits(out: u64, packed: u64) -> bool {
    out <= MAX_BILL_BYTES && (out <= RATIO_FREE || out / packed.max(1) <= MAX_RATIO)
}

fn lock_of<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> Lock {
    let aes = entry.compression() == zip::CompressionMethod::Aes
        || entry
            .extra_data_fields()
            .any(|f| matches!(f, zip::ExtraField::AeXEncryption(_)));
    if aes { Lock::Aes } else { Lock::ZipCrypto }
}

/// Unpacks an opened entry into memory. With a lock, anything that goes
/// wrong means the password is wrong: ZipCrypto's check byte lets about 1
/// wrong password in 256 through, which then fails to inflate or fails its
/// CRC at the end (AES its HMAC).
fn unpack<R: Read>(
    opened: zip::result::ZipResult<zip::read::ZipFile<'_, R>>,
    lock: Option<Lock>,
    size: u64,
    progress: &mut Progress<'_>,
) -> Result<Vec<u8>, EvidenceError> {
    let wrong = |lock: Option<Lock>| match lock {
        Some(lock) => EvidenceError::WrongPassword { lock },
        None => EvidenceError::DamagedArchive,
    };
    let mut entry = match opened {
        Ok(entry) => entry,
        Err(ZipError::UnsupportedArchive(_)) => return Err(EvidenceError::UnsupportedArchive),
        // InvalidPassword, or a header a wrong key garbled.
        Err(_) => return Err(wrong(lock)),
    };
    let total = entry.size().max(1);
    let mut out =
        Vec::with_capacity(usize::try_from(entry.size().min(MAX_BILL_BYTES)).unwrap_or(0));
    let mut block = vec![0u8; BLOCK];
    loop {
        let n = match entry.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(wrong(lock)),
        };
        if (out.len() + n) as u64 > MAX_BILL_BYTES {
            return Err(EvidenceError::ArchiveTooLarge {
                entry: entry_name(entry.name_raw()),
                limit: MAX_BILL_BYTES,
            });
        }
        out.extend_from_slice(&block[..n]);
        let done =
            u128::from(size) * (out.len() as u128).min(u128::from(total)) / u128::from(total) / 2;
        if !progress(u64::try_from(done).unwrap_or(size), size) {
            return Err(EvidenceError::Cancelled);
        }
    }
    Ok(out)
}

/// The progress of reading the unpacked bill (of `inner` bytes), shown as
/// the second half of reading the zip of `size` bytes.
pub(crate) fn second_half<'a>(
    size: u64,
    progress: &'a mut Progress<'_>,
) -> impl FnMut(u64, u64) -> bool + 'a {
    move |done, inner| {
        let share = u128::from(done.min(inner)) * u128::from(size) / u128::from(inner.max(1)) / 2;
        progress(size / 2 + u64::try_from(share).unwrap_or(size / 2), size)
    }
}
