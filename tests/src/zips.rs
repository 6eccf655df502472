//! Bill zips as the payment apps send them: WeChat Pay's locked with
//! classic ZipCrypto and a 6-digit password, Alipay's with WinZip AES-256
//! (shared/reference/channels.md), or not locked at all.

use std::io::{Cursor, Write};

use zip::unstable::write::FileOptionsExt;
use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipWriter};

/// How the entries are locked.
#[derive(Debug, Clone, Copy)]
pub enum Locked<'a> {
    No,
    /// Classic ZipCrypto (WeChat Pay).
    ZipCrypto(&'a str),
    /// WinZip AES-256 (Alipay).
    Aes(&'a str),
}

/// A zip of `entries` (name, bytes), each deflated and locked with `lock`;
/// a name ending in `/` is a folder.
pub fn bill_zip(entries: &[(&str, &[u8])], lock: Locked<'_>) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        let plain = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        if name.ends_with('/') {
            zip.add_directory(*name, plain).expect("a folder");
            continue;
        }
        let options = match lock {
            Locked::No => plain,
            Locked::ZipCrypto(p) => plain
                .with_deprecated_encryption(p.as_bytes())
                .expect("a password"),
            Locked::Aes(p) => plain.with_aes_encryption(AesMode::Aes256, p),
        };
        zip.start_file(*name, options).expect("an entry");
        zip.write_all(bytes).expect("written");
    }
    zip.finish().expect("finished").into_inner()
}
