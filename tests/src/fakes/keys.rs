//! RSA-2048 test keys, generated at run time and cached per process.
//!
//! Both providers sign with SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256)
//! and exchange base64 signatures without line breaks: Alipay's `RSA2`
//! (shared/reference/providers.md §1.3, §1.5) and WeChat Pay's
//! `WECHATPAY2-SHA256-RSA2048` (§2.2, §2.4). No key is ever checked into the
//! repository; debug-build key generation is slow, so every key is made once
//! per process (the five of them in parallel) and shared by all fakes.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// One RSA-2048 key pair with its PEM forms.
#[derive(Clone)]
pub struct KeyPair {
    private: RsaPrivateKey,
    public: RsaPublicKey,
    private_pem: String,
    public_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, not even test keys.
        f.debug_struct("KeyPair").finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a fresh RSA-2048 pair (slow in debug builds: prefer
    /// [`TestKeys::shared`]).
    pub fn generate() -> KeyPair {
        let mut rng = rand::thread_rng();
        let private = RsaPrivateKey::new(&mut rng, 2048).expect("RSA-2048 key generation");
        let public = RsaPublicKey::from(&private);
        let private_pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 PEM encoding")
            .to_string();
        let public_pem = public
            .to_public_key_pem(LineEnding::LF)
            .expect("SPKI PEM encoding");
        KeyPair {
            private,
            public,
            private_pem,
            public_pem,
        }
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn private_key_pem(&self) -> &str {
        &self.private_pem
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// SHA256withRSA (PKCS#1 v1.5) over `message`, base64 (standard
    /// alphabet, padded, no line breaks).
    pub fn sign_base64(&self, message: &[u8]) -> String {
        let digest = Sha256::digest(message);
        let signature = self
            .private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("RSA signing");
        STANDARD.encode(signature)
    }

    /// Whether `signature_b64` is a valid SHA256withRSA signature of
    /// `message` under this pair's public key. Malformed base64 is `false`.
    pub fn verify_base64(&self, message: &[u8], signature_b64: &str) -> bool {
        verify_base64(&self.public, message, signature_b64)
    }

    /// The public half.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

/// SHA256withRSA verification against any public key (base64 signature).
pub fn verify_base64(public: &RsaPublicKey, message: &[u8], signature_b64: &str) -> bool {
    let Ok(signature) = STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    let digest = Sha256::digest(message);
    public
        .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &signature)
        .is_ok()
}

/// The five key pairs the fakes use, one per role, all distinct so that a
/// client using the wrong key for a job is caught.
#[derive(Debug)]
pub struct TestKeys {
    /// Alipay "应用私钥/应用公钥": the client signs requests with the
    /// private half; the fake verifies with the public half (§1.3).
    pub alipay_app: KeyPair,
    /// The "支付宝公钥" pair: the fake signs responses with the private
    /// half; the client verifies with the public half (§1.5).
    pub alipay_platform: KeyPair,
    /// WeChat Pay merchant API-certificate key: the client signs the
    /// `Authorization` header with it (§2.2).
    pub wechat_merchant: KeyPair,
    /// The "微信支付公钥" (platform) pair: the fake signs responses with it
    /// (§2.4).
    pub wechat_platform: KeyPair,
    /// A key nobody trusts: `BadSignature` answers are signed with it, and
    /// client tests can sign requests with it to get rejected.
    pub other: KeyPair,
}

impl TestKeys {
    /// The process-wide keys, generated on first use (in parallel threads).
    pub fn shared() -> &'static TestKeys {
        static KEYS: OnceLock<TestKeys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let mut pairs = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..5).map(|_| scope.spawn(KeyPair::generate)).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("key generation thread"))
                    .collect::<Vec<_>>()
            })
            .into_iter();
            let mut next = || pairs.next().expect("five key pairs");
            TestKeys {
                alipay_app: next(),
                alipay_platform: next(),
                wechat_merchant: next(),
                wechat_platform: next(),
                other: next(),
            }
        })
    }
}
