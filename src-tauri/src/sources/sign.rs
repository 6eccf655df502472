//! RSA keys as providers hand them out, and SHA256withRSA (PKCS#1 v1.5)
//! signatures in base64: what Alipay's RSA2, WeChat Pay's
//! `WECHATPAY2-SHA256-RSA2048` and epay V2 all use.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use super::error::SourceError;
use super::secret::Secret;

/// A private key from a PEM (PKCS#8 or PKCS#1) or the bare base64 body
/// that Alipay's key tool prints.
pub fn private_key(field: &'static str, text: &Secret) -> Result<RsaPrivateKey, SourceError> {
    let t = text.expose().trim();
    let bad = |why: &str| SourceError::BadSetting {
        field,
        reason: why.to_owned(),
    };
    if t.contains("-----BEGIN") {
        return RsaPrivateKey::from_pkcs8_pem(t)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(t))
            .map_err(|_| bad("not an RSA private key in PEM (PKCS#8 or PKCS#1)"));
    }
    let der = STANDARD
        .decode(strip_ws(t))
        .map_err(|_| bad("neither a PEM block nor base64"))?;
    RsaPrivateKey::from_pkcs8_der(&der)
        .or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
        .map_err(|_| bad("not an RSA private key"))
}

/// A public key from a PEM public key (SPKI or PKCS#1), an X.509
/// certificate, or a bare base64 SPKI body.
pub fn public_key(field: &'static str, text: &str) -> Result<RsaPublicKey, SourceError> {
    let t = text.trim();
    let bad = |why: &str| SourceError::BadSetting {
        field,
        reason: why.to_owned(),
    };
    if t.contains("-----BEGIN CERTIFICATE") {
        use x509_cert::der::{DecodePem, Encode};
        let cert = x509_cert::Certificate::from_pem(t.as_bytes())
            .map_err(|_| bad("not a readable X.509 certificate"))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| bad("the certificate's key cannot be read"))?;
        return RsaPublicKey::from_public_key_der(&spki)
            .map_err(|_| bad("the certificate does not hold an RSA key"));
    }
    if t.contains("-----BEGIN") {
        return RsaPublicKey::from_public_key_pem(t)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(t))
            .map_err(|_| bad("not an RSA public key in PEM"));
    }
    let der = STANDARD
        .decode(strip_ws(t))
        .map_err(|_| bad("neither a PEM block nor base64"))?;
    RsaPublicKey::from_public_key_der(&der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
        .map_err(|_| bad("not an RSA public key"))
}

/// The serial number of an X.509 certificate in upper-case hex, as WeChat
/// Pay names certificates in `Wechatpay-Serial`.
pub fn certificate_serial(text: &str) -> Option<String> {
    use x509_cert::der::DecodePem;
    let cert = x509_cert::Certificate::from_pem(text.trim().as_bytes()).ok()?;
    Some(
        cert.tbs_certificate
            .serial_number
            .as_bytes()
            .iter()
            .skip_while(|b| **b == 0)
            .map(|b| format!("{b:02X}"))
            .collect(),
    )
}

fn strip_ws(t: &str) -> String {
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

/// SHA256withRSA over `message`, base64.
pub fn sign(key: &RsaPrivateKey, message: &[u8]) -> String {
    let sk = SigningKey::<Sha256>::new(key.clone());
    STANDARD.encode(sk.sign(message).to_bytes())
}

/// Whether `signature_b64` is a SHA256withRSA signature of `message`.
pub fn verify(key: &RsaPublicKey, message: &[u8], signature_b64: &str) -> bool {
    let Ok(bytes) = STANDARD.decode(strip_ws(signature_b64)) else {
        return false;
    };
    let Ok(sig) = Signature::try_from(bytes.as_slice()) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &sig)
        .is_ok()
}

/// A random nonce of 32 upper-case alphanumerics.
pub fn nonce() -> String {
    uuid::Uuid::now_v7().simple().to_string().to_uppercase()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    use std::sync::OnceLock;

    /// One 2048-bit key pair per test process (generation is slow in debug).
    pub fn keys() -> &'static (String, String) {
        static K: OnceLock<(String, String)> = OnceLock::new();
        K.get_or_init(|| {
            let mut rng = rsa::rand_core::OsRng;
            let k = RsaPrivateKey::new(&mut rng, 2048).unwrap();
            (
                k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
                k.to_public_key().to_public_key_pem(LineEnding::LF).unwrap(),
            )
        })
    }

    #[test]
    fn sign_then_verify_with_keys_in_every_accepted_form() {
        let (private, public) = keys();
        let key = private_key("private_key", &Secret::new(private.clone())).unwrap();
        let s = sign(&key, b"a=1&b=2");
        assert!(verify(&public_key("k", public).unwrap(), b"a=1&b=2", &s));
        assert!(
            !verify(&public_key("k", public).unwrap(), b"a=1&b=3", &s),
            "other text"
        );
        // Alipay's key tool prints the bare base64 body.
        let bare: String = public.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(verify(&public_key("k", &bare).unwrap(), b"a=1&b=2", &s));
        let bare_private: String = private
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(private_key("k", &Secret::new(bare_private)).is_ok());
    }

    #[test]
    fn a_wrong_key_names_the_field_and_never_echoes_it() {
        let e = private_key("private_key", &Secret::new("hunter2-not-a-key")).unwrap_err();
        let t = e.to_string();
        assert!(t.contains("private_key"), "{t}");
        assert!(!t.contains("hunter2"), "{t}");
    }
}
