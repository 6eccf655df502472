//! The one way the core talks to the network: rustls, HTTPS except to
//! loopback, connect and total timeouts, and bounded retries with backoff
//! (honouring `Retry-After`) for idempotent queries only.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderMap;
use url::Url;

use super::error::SourceError;
use super::limit::{Limiter, Limits};

#[derive(Debug, Clone)]
pub struct Policy {
    pub connect_timeout: Duration,
    /// For one attempt, from sending to the last byte.
    pub timeout: Duration,
    /// Tries in all (1 = no retry).
    pub attempts: u32,
    /// The first backoff; doubled each retry.
    pub backoff: Duration,
    /// A `Retry-After` longer than this is not waited for.
    pub max_wait: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            attempts: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(20),
        }
    }
}

impl Policy {
    /// From `DAOZHANG_HTTP_TIMEOUT_MS` / `DAOZHANG_HTTP_ATTEMPTS` when set
    /// (for slow links, or tests that want an answer fast).
    pub fn from_env() -> Self {
        let mut p = Policy::default();
        if let Some(ms) = env_u64("DAOZHANG_HTTP_TIMEOUT_MS") {
            p.timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(n) = env_u64("DAOZHANG_HTTP_ATTEMPTS") {
            p.attempts = n.clamp(1, 10) as u32;
        }
        if let Some(ms) = env_u64("DAOZHANG_HTTP_BACKOFF_MS") {
            p.backoff = Duration::from_millis(ms);
        }
        p
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// An answer, whatever its status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// An answer without headers (tests of error mapping).
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// This answer's status as the error of a request to `url` (a status
    /// without a body we understand).
    pub fn http_error(&self, url: &Url) -> SourceError {
        SourceError::Http {
            host: host_of(url),
            status: self.status,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub struct Http {
    client: Client,
    /// For loopback addresses: never through an environment proxy, which
    /// would carry a local mock's traffic (and its key) off the machine.
    local: Client,
    policy: Policy,
    /// Rate limits per host and a bound on requests in flight (batches).
    limiter: Option<Arc<Limiter>>,
}

impl Http {
    pub fn new(policy: Policy) -> Result<Self, SourceError> {
        // TLS uses ring; installing it again is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            Client::builder()
                .connect_timeout(policy.connect_timeout)
                .timeout(policy.timeout)
                .user_agent(concat!("daozhang/", env!("CARGO_PKG_VERSION")))
                .https_only(false)
                // A redirect is an answer, never followed: a key in the query
                // or an auth header must not go where the provider points.
                .redirect(reqwest::redirect::Policy::none())
        };
        let built = |b: reqwest::blocking::ClientBuilder| {
            b.build().map_err(|e| SourceError::Network {
                host: "-".into(),
                reason: e.to_string(),
            })
        };
        Ok(Http {
            client: built(builder())?,
            local: built(builder().no_proxy())?,
            policy,
            limiter: None,
        })
    }

    /// An `Http` whose every attempt (retries included) first waits for its
    /// turn under `limits` (see [`super::limit`]).
    pub fn with_limits(policy: Policy, limits: Limits) -> Result<Self, SourceError> {
        let mut http = Http::new(policy)?;
        http.limiter = Some(Arc::new(Limiter::new(limits)));
        Ok(http)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The limiter, when there is one (to read how many attempts went to
    /// each host).
    pub fn limiter(&self) -> Option<&Limiter> {
        self.limiter.as_deref()
    }

    /// Sends the request `build` makes (called again for each attempt, so
    /// signatures carry a fresh timestamp). Retries timeouts, connection
    /// failures, 5xx and 429 when `idempotent`; returns any other answer.
    pub fn send(
        &self,
        url: &Url,
        idempotent: bool,
        cancel: &AtomicBool,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Reply, SourceError> {
        check_url(url)?;
        let host = host_of(url);
        let attempts = if idempotent { self.policy.attempts } else { 1 };
        let mut backoff = self.policy.backoff;
        let mut last: Option<SourceError> = None;
        for attempt in 1..=attempts {
            if cancel.load(Ordering::SeqCst) {
                return Err(SourceError::Cancelled);
            }
            let permit = match &self.limiter {
                Some(l) => Some(l.acquire(&host, cancel)?),
                None => None,
            };
            // The whole exchange, up to the last byte of the answer, under
            // the permit; waits between attempts are outside it.
            let client = if is_loopback(url) {
                &self.local
            } else {
                &self.client
            };
            let exchange = build(client).send().map(|resp| {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                (status, headers, read_body(resp))
            });
            drop(permit);
            let wait = match exchange {
                Ok((status, headers, body)) => {
                    let body = match body {
                        Ok(b) => b,
                        Err(Body::TooLarge) => {
                            return Err(SourceError::untrusted(
                                format!("{host} 的应答超过 {} KiB，未读取", MAX_BODY_BYTES / 1024),
                                format!(
                                    "the answer of {host} is larger than {} KiB; it was not read",
                                    MAX_BODY_BYTES / 1024
                                ),
                                "",
                            ));
                        }
                        Err(Body::Io(e)) => {
                            last = Some(SourceError::Network {
                                host: host.clone(),
                                reason: e.to_string(),
                            });
                            if attempt < attempts {
                                sleep(backoff, cancel)?;
                                backoff = backoff.saturating_mul(2);
                            }
                            continue;
                        }
                    };
                    if (300..=399).contains(&status) {
                        return Err(SourceError::untrusted(
                            format!("{host} 要求转到别处（HTTP {status}），到账不跟随转向"),
                            format!(
                                "{host} answered with a redirect (HTTP {status}); Daozhang does not follow redirects"
                            ),
                            "",
                        ));
                    }
                    let reply = Reply {
                        status,
                        headers,
                        body,
                    };
                    match status {
                        429 => {
                            let asked = retry_after(&reply).unwrap_or(backoff);
                            if asked > self.policy.max_wait {
                                return Err(SourceError::RateLimited {
                                    host,
                                    seconds: asked.as_secs(),
                                });
                            }
                            last = Some(SourceError::RateLimited {
                                host: host.clone(),
                                seconds: asked.as_secs(),
                            });
                            asked.max(Duration::from_millis(1))
                        }
                        500..=599 => {
                            let asked = retry_after(&reply)
                                .filter(|d| *d <= self.policy.max_wait)
                                .unwrap_or(backoff);
                            last = Some(SourceError::Http {
                                host: host.clone(),
                                status,
                            });
                            asked
                        }
                        _ => return Ok(reply),
                    }
                }
                Err(e) => {
                    last = Some(network(&host, &e, &self.policy));
                    backoff
                }
            };
            if attempt < attempts {
                sleep(wait, cancel)?;
                backoff = backoff.saturating_mul(2);
            }
        }
        Err(last.unwrap_or(SourceError::Network {
            host,
            reason: "no attempt was made".into(),
        }))
    }
}

/// The largest answer read from a provider; a bigger one is not used.
pub const MAX_BODY_BYTES: u64 = 1 << 20;

enum Body {
    TooLarge,
    Io(std::io::Error),
}

/// The answer's text, read no further than [`MAX_BODY_BYTES`] (a provider
/// or a shop cannot make the app hold an answer of any size).
fn read_body(resp: reqwest::blocking::Response) -> Result<String, Body> {
    use std::io::Read;
    let mut buf = Vec::new();
    resp.take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(Body::Io)?;
    if buf.len() as u64 > MAX_BODY_BYTES {
        return Err(Body::TooLarge);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn network(host: &str, e: &reqwest::Error, policy: &Policy) -> SourceError {
    if e.is_timeout() {
        SourceError::Timeout {
            host: host.to_owned(),
            millis: policy.timeout.as_millis() as u64,
        }
    } else {
        // reqwest's chain names the cause (refused, DNS, TLS) without the URL's query.
        let mut reason = e.to_string();
        if let Some(u) = e.url() {
            reason = reason.replace(u.as_str(), &host_of(u));
        }
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            reason = format!("{reason}: {s}");
            src = s.source();
        }
        SourceError::Network {
            host: host.to_owned(),
            reason,
        }
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(r: &Reply) -> Option<Duration> {
    let v = r.header("retry-after")?.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

/// Sleeps `d` in short steps, stopping early when cancelled.
fn sleep(d: Duration, cancel: &AtomicBool) -> Result<(), SourceError> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if cancel.load(Ordering::SeqCst) {
            return Err(SourceError::Cancelled);
        }
        std::thread::sleep((end - Instant::now()).min(Duration::from_millis(50)));
    }
    Ok(())
}

pub fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.as_str().to_owned(),
    }
}

/// HTTPS is required, except for loopback addresses (local mocks, tests):
/// the literal 127.0.0.0/8 and ::1 only, never a name that something else
/// resolves (`localhost` may be any address in /etc/hosts or DNS).
pub fn check_url(url: &Url) -> Result<(), SourceError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(SourceError::Insecure(host_of(url))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(_)) | None => false,
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
    }
}

/// Parses a base URL from settings, naming the field when it is wrong.
pub fn parse_base(field: &'static str, text: &str) -> Result<Url, SourceError> {
    let url = Url::parse(text.trim()).map_err(|e| SourceError::BadSetting {
        field,
        reason: format!("{text:?} is not a URL ({e})"),
    })?;
    check_url(&url)?;
    Ok(url)
}

/// `base` with `segments` appended to its path (each percent-encoded, so
/// an ID cannot change the path) and `query` added; `field` names the
/// setting `base` came from.
pub fn endpoint(
    base: &Url,
    field: &'static str,
    segments: &[&str],
    query: &[(&str, &str)],
) -> Result<Url, SourceError> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|_| SourceError::BadSetting {
            field,
            reason: "not a base URL".into(),
        })?
        .pop_if_empty()
        .extend(segments);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-shot HTTP server on loopback answering `answer`; returns its
    /// URL and whether it was asked.
    fn serve(answer: Vec<u8>) -> (Url, Arc<AtomicBool>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = Url::parse(&format!("http://{}/q", listener.local_addr().unwrap())).unwrap();
        let asked = Arc::new(AtomicBool::new(false));
        let seen = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                seen.store(true, Ordering::SeqCst);
                let mut req = [0u8; 4096];
                let _ = s.read(&mut req);
                let _ = s.write_all(&answer);
            }
        });
        (url, asked)
    }

    fn quick() -> Http {
        Http::new(Policy {
            attempts: 1,
            ..Policy::default()
        })
        .unwrap()
    }

    #[test]
    fn a_redirect_is_not_followed_so_the_key_in_the_query_stays_home() {
        let (elsewhere, asked) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec());
        let (gateway, _) = serve(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {elsewhere}?key=SECRETKEY\r\nContent-Length: 0\r\n\r\n"
            )
            .into_bytes(),
        );
        let cancel = AtomicBool::new(false);
        let got = quick().send(&gateway, true, &cancel, |c| c.get(gateway.clone()));
        assert!(
            matches!(&got, Err(SourceError::Untrusted { .. })),
            "{:?}",
            got.map(|r| r.status)
        );
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            !asked.load(Ordering::SeqCst),
            "the redirect target was never asked"
        );
    }

    #[test]
    fn an_answer_larger_than_the_cap_is_not_read() {
        let big = MAX_BODY_BYTES as usize + 10;
        let mut answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {big}\r\n\r\n").into_bytes();
        answer.extend(std::iter::repeat_n(b'x', big));
        let (url, _) = serve(answer);
        let cancel = AtomicBool::new(false);
        let got = quick().send(&url, true, &cancel, |c| c.get(url.clone()));
        match got {
            Err(SourceError::Untrusted { reason, .. }) => {
                assert!(reason.en.contains("larger than 1024 KiB"), "{}", reason.en)
            }
            other => panic!("{:?}", other.map(|r| r.status)),
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let ok = |u: &str| check_url(&Url::parse(u).unwrap()).is_ok();
        assert!(ok("https://openapi.alipay.com/gateway.do"));
        assert!(ok("http://127.0.0.1:8080/gateway.do"));
        assert!(ok("http://127.8.0.1/"));
        assert!(ok("http://[::1]:9/"));
        assert!(
            !ok("http://localhost:3000/"),
            "a name is resolved by someone else: only literal loopback addresses"
        );
        assert!(
            !ok("http://127.0.0.1.nip.io/"),
            "a name that looks like one"
        );
        assert!(
            !ok("http://openapi.alipay.com/gateway.do"),
            "plain HTTP to the internet"
        );
        assert!(!ok("http://192.168.1.2/"), "a LAN address is not loopback");
        assert!(!ok("ftp://127.0.0.1/"));
    }

    #[test]
    fn endpoints_encode_their_segments() {
        let base = Url::parse("https://api.example.com/prefix/").unwrap();
        let u = endpoint(&base, "base_url", &["v1", "a/b?c"], &[("q", "x y")]).unwrap();
        assert_eq!(
            u.as_str(),
            "https://api.example.com/prefix/v1/a%2Fb%3Fc?q=x+y"
        );
        let u = endpoint(&base, "base_url", &["v1"], &[]).unwrap();
        assert_eq!(u.as_str(), "https://api.example.com/prefix/v1");
        let not_a_base = Url::parse("mailto:shop@example.com").unwrap();
        assert!(matches!(
            endpoint(&not_a_base, "shop_url", &["x"], &[]),
            Err(SourceError::BadSetting {
                field: "shop_url",
                ..
            })
        ));
    }
}
