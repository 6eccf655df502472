//! A minimal synchronous HTTP/1.1 server on a loopback port, for the fakes.
//!
//! It models just enough of HTTP/1.1 for API clients: one request per
//! connection (`Connection: close` on every answer), `Content-Length`
//! bodies (chunked request bodies are refused with 411), `Expect:
//! 100-continue`. The handler is a plain function from [`Request`] to
//! [`Response`]; a response may carry a delay, which the server sleeps
//! (interruptibly) before writing, so timeout tests do not hold up
//! shutdown.
//!
//! Bounds: the accept loop polls a stop flag every few milliseconds and
//! ends when the [`HttpServer`] is dropped; each connection thread reads
//! with a 5 s timeout, at most 64 KiB of head and 1 MiB of body, and is
//! shut down and joined on drop.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest request head (request line plus headers).
const MAX_HEAD: u64 = 64 * 1024;
/// Most header lines accepted.
const MAX_HEADER_LINES: usize = 100;
/// Largest request body accepted.
const MAX_BODY: usize = 1024 * 1024;
/// Read/write timeout per socket operation.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the accept loop and delays look at the stop flag.
const POLL: Duration = Duration::from_millis(2);

/// One parsed HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The request target exactly as on the request line: path plus
    /// `?query` (origin form; an absolute-form target is cut to this).
    pub target: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The raw body bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The raw query string (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The first header called `name` (case-insensitive) in `headers`.
pub(crate) fn header_in<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// An answer to write back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Extra headers; `Content-Length` and `Connection` are added by the
    /// server.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Sleep this long before writing anything.
    pub delay: Duration,
}

impl Response {
    /// A response with this status, a text body and a content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the delay before answering.
    pub fn with_delay(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }
}

/// A running loopback server; stops (and joins every thread) on drop.
pub struct HttpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl HttpServer {
    /// Binds `127.0.0.1:0` and serves `handler` on a background thread.
    pub fn start<H>(handler: H) -> io::Result<HttpServer>
    where
        H: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<dyn Fn(&Request) -> Response + Send + Sync> = Arc::new(handler);
        let accept = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name(format!("fake-http-{}", addr.port()))
                .spawn(move || accept_loop(listener, handler, stop))?
        };
        Ok(HttpServer {
            addr,
            stop,
            accept: Some(accept),
        })
    }

    /// The bound address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

type SharedHandler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

fn accept_loop(listener: TcpListener, handler: SharedHandler, stop: Arc<AtomicBool>) {
    let mut connections: Vec<(JoinHandle<()>, Option<TcpStream>)> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let watcher = stream.try_clone().ok();
                let handler = Arc::clone(&handler);
                let stop = Arc::clone(&stop);
                let spawned = std::thread::Builder::new()
                    .name("fake-http-conn".to_owned())
                    .spawn(move || serve_connection(stream, &*handler, &stop));
                if let Ok(handle) = spawned {
                    connections.push((handle, watcher));
                }
            }
            Err(_) => std::thread::sleep(POLL),
        }
        // Reap finished connection threads so the list stays small.
        let (done, running): (Vec<_>, Vec<_>) =
            connections.into_iter().partition(|(h, _)| h.is_finished());
        for (handle, _) in done {
            let _ = handle.join();
        }
        connections = running;
    }
    for (handle, watcher) in connections {
        if let Some(stream) = watcher {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let _ = handle.join();
    }
}

fn serve_connection(
    stream: TcpStream,
    handler: &(dyn Fn(&Request) -> Response + Send + Sync),
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let response = match read_request(&stream, &mut writer) {
        Ok(request) => handler(&request),
        Err(ReadError::Io) => return,
        Err(ReadError::Bad(status, why)) => Response::new(status, "text/plain", why),
    };
    if !sleep_unless_stopped(response.delay, stop) {
        return;
    }
    let _ = write_response(&mut writer, &response);
    let _ = writer.shutdown(Shutdown::Write);
    // Drain whatever the client still sends (bounded by the read timeout
    // and a byte cap) so closing does not reset the connection under it.
    let mut sink = [0u8; 1024];
    let mut drained = 0usize;
    let mut reader = &stream;
    while drained < 64 * 1024 {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Sleeps `delay` in small steps; `false` if the server stopped meanwhile.
fn sleep_unless_stopped(delay: Duration, stop: &AtomicBool) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
}

enum ReadError {
    /// The connection broke or timed out: nothing to answer.
    Io,
    /// Answer with this status and reason.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Io
    }
}

fn read_request(stream: &TcpStream, writer: &mut TcpStream) -> Result<Request, ReadError> {
    let mut reader = BufReader::new(stream);
    let mut budget = MAX_HEAD;
    let mut line = Vec::new();
    read_head_line(&mut reader, &mut budget, &mut line)?;
    if line.is_empty() {
        return Err(ReadError::Io);
    }
    let request_line = String::from_utf8_lossy(&line).trim_end().to_owned();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "bad request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad(505, "HTTP/1.x only"));
    }
    let target = origin_form(target);
    let method = method.to_owned();

    let mut headers = Vec::new();
    loop {
        if headers.len() > MAX_HEADER_LINES {
            return Err(ReadError::Bad(431, "too many headers"));
        }
        read_head_line(&mut reader, &mut budget, &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(ReadError::Bad(431, "request head too long or cut"));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(ReadError::Bad(400, "bad header line"));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }

    if header_in(&headers, "transfer-encoding").is_some() {
        return Err(ReadError::Bad(411, "Content-Length required"));
    }
    let length = match header_in(&headers, "content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ReadError::Bad(400, "bad Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(ReadError::Bad(413, "body too large"));
    }
    if length > 0
        && header_in(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    // Through the same BufReader: it may already hold part of the body.
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request {
        method,
        target,
        headers,
        body,
    })
}

/// Reads one head line into `line` (cleared first), charging `budget`.
fn read_head_line(
    reader: &mut BufReader<&TcpStream>,
    budget: &mut u64,
    line: &mut Vec<u8>,
) -> io::Result<()> {
    line.clear();
    let n = reader.by_ref().take(*budget).read_until(b'\n', line)?;
    *budget -= n as u64;
    Ok(())
}

/// Cuts `http://host:port/path?q` to `/path?q`; leaves origin form alone.
fn origin_form(target: &str) -> String {
    if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        }
    } else {
        target.to_owned()
    }
}

fn write_response(writer: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    writer.write_all(&bytes)?;
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}
