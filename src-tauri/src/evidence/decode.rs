//! Bytes to UTF-8, as a stream: Alipay exports are GBK, WeChat's are UTF-8
//! (with or without a BOM). The encoding is chosen once from the head of
//! the file; the rest is decoded as it is read.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::table::Text;
use super::{EvidenceError, Progress};

/// The message of the I/O error a cancelled read turns into.
pub(crate) const CANCELLED: &str = "daozhang: reading cancelled";

/// The encoding of a text that starts with `head`: UTF-8 when the head is
/// valid UTF-8 (a character cut at the end of the head is fine), else
/// GB18030 (a superset of GBK) when that decodes cleanly.
pub(crate) fn sniff(head: &[u8]) -> Result<&'static Encoding, EvidenceError> {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return Ok(enc);
    }
    match std::str::from_utf8(head) {
        Ok(_) => return Ok(UTF_8),
        Err(e) if e.error_len().is_none() => return Ok(UTF_8),
        Err(_) => {}
    }
    // The head may end in the middle of a character: decode it as a part
    // of a stream (`last = false`) so only real errors count.
    let mut dec = GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(head.len() * 3 + 16);
    let (result, _) = dec.decode_to_string_without_replacement(head, &mut out, false);
    match result {
        DecoderResult::InputEmpty => Ok(GB18030),
        _ => Err(EvidenceError::Encoding),
    }
}

/// A UTF-8 reader over `inner`, in the encoding its `head` shows.
pub(crate) fn decoder<R: Read>(head: &[u8], inner: R) -> Result<impl Read, EvidenceError> {
    Ok(transcoder(sniff(head)?, inner))
}

/// A UTF-8 reader over `inner`, which is in `enc` (a BOM wins).
fn transcoder<R: Read>(
    enc: &'static Encoding,
    inner: R,
) -> encoding_rs_io::DecodeReaderBytes<R, Vec<u8>> {
    DecodeReaderBytesBuilder::new()
        .encoding(Some(enc))
        .bom_override(true)
        .build(inner)
}

/// A bill's bytes as its CSV reader takes them: UTF-8 and GB18030 as they
/// are (the reader splits first and decodes only the cells it looks at);
/// anything else a BOM announces (UTF-16) decoded to UTF-8 first.
pub(crate) fn bill_bytes<R: Read>(
    head: &[u8],
    inner: R,
) -> Result<(BillBytes<R>, Text), EvidenceError> {
    let enc = sniff(head)?;
    Ok(if enc == UTF_8 {
        (BillBytes::AsIs(inner), Text::Utf8)
    } else if enc == GB18030 {
        (BillBytes::AsIs(inner), Text::Gb18030)
    } else {
        (
            BillBytes::Decoded(Box::new(transcoder(enc, inner))),
            Text::Utf8,
        )
    })
}

pub(crate) enum BillBytes<R: Read> {
    AsIs(R),
    Decoded(Box<encoding_rs_io::DecodeReaderBytes<R, Vec<u8>>>),
}

impl<R: Read> Read for BillBytes<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            BillBytes::AsIs(r) => r.read(buf),
            BillBytes::Decoded(r) => r.read(buf),
        }
    }
}

/// Counts the bytes read and reports them; the report may cancel the read.
pub(crate) struct Counting<'p, 'a, R> {
    inner: R,
    read: u64,
    size: u64,
    reported: u64,
    progress: &'p mut Progress<'a>,
    /// Bytes a second reader of the same input has read.
    ahead: Option<&'p AtomicU64>,
}

impl<'p, 'a, R> Counting<'p, 'a, R> {
    pub(crate) fn new(inner: R, size: u64, progress: &'p mut Progress<'a>) -> Self {
        Counting {
            inner,
            read: 0,
            size,
            reported: 0,
            progress,
            ahead: None,
        }
    }

    /// Also reports what a second reader of the same input has read.
    pub(crate) fn with_ahead(self, ahead: &'p AtomicU64) -> Self {
        Counting {
            ahead: Some(ahead),
            ..self
        }
    }
}

/// Progress is reported about every this many bytes.
const REPORT_EVERY: u64 = 1 << 20;

impl<R: Read> Read for Counting<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if n == 0 || self.read - self.reported >= REPORT_EVERY {
            self.reported = self.read;
            let done = self.read + self.ahead.map_or(0, |a| a.load(Ordering::Relaxed));
            if !(self.progress)(done.min(self.size.max(self.read)), self.size.max(self.read)) {
                return Err(io::Error::new(io::ErrorKind::Interrupted, CANCELLED));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_gbk_and_garbage() {
        assert_eq!(sniff("交易时间,金额".as_bytes()).unwrap(), UTF_8);
        let (gbk, _, _) = GB18030.encode("交易时间,交易分类,交易对方");
        assert_eq!(sniff(&gbk).unwrap(), GB18030, "Alipay's exports are GBK");
        let mut cut = "交易时间".as_bytes().to_vec();
        cut.pop();
        assert_eq!(
            sniff(&cut).unwrap(),
            UTF_8,
            "a character cut at the end of the head is still UTF-8"
        );
        assert!(
            matches!(
                sniff(&[0x81, 0x20, 0xff, 0xfe, 0x81, 0x7f, 0x80, 0x20, 0x81]),
                Err(EvidenceError::Encoding)
            ),
            "bytes that are neither say so"
        );
    }

    #[test]
    fn gbk_decodes_as_a_stream() {
        let (gbk, _, _) = GB18030.encode("支付宝,交易成功\n");
        let mut out = String::new();
        decoder(&gbk, &gbk[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "支付宝,交易成功\n");
    }
}
