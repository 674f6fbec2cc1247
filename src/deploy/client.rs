//! The HTTP side of deploying: one Kibana (or Elasticsearch) endpoint, its credentials, TLS, a
//! per-read idle timeout, capped response bodies, and retries of 429/5xx inside one overall
//! deadline.
//!
//! Built on the hyper/rustls stack octocrab already brings (no second HTTP stack). Credentials
//! come from the environment only and live in a header value marked sensitive; no error, debug
//! output or artifact ever contains them.

use crate::error_chain::error_chain;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use super::error::{DeployError, Result};

/// Largest CA file read (`--ca-file`): a bundle of a few hundred certificates fits easily.
const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Error bodies are read only for their message.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Longest error message kept (characters): it ends up in a log line.
const MAX_MESSAGE_CHARS: usize = 500;

/// How sigmaforge authenticates to Kibana. Read from the environment (never from flags, which
/// show up in process listings and CI logs); `Debug` never shows the secret.
#[derive(Clone)]
pub struct Credentials {
    /// The full `Authorization` header value, marked sensitive.
    header: HeaderValue,
    /// Which scheme, for messages.
    scheme: &'static str,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({} <redacted>)", self.scheme)
    }
}

impl Credentials {
    /// `KIBANA_API_KEY` (the base64 `id:key` Kibana shows once, sent as `ApiKey …`), else
    /// `KIBANA_USERNAME` and `KIBANA_PASSWORD` (basic auth). `get` reads one variable, so tests
    /// pass a map instead of touching the process environment.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Credentials> {
        let value = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let (scheme, text) = if let Some(key) = value("KIBANA_API_KEY") {
            ("ApiKey", format!("ApiKey {key}"))
        } else {
            match (value("KIBANA_USERNAME"), get("KIBANA_PASSWORD")) {
                (Some(user), Some(pass)) if !pass.is_empty() => {
                    use base64::Engine;
                    let token =
                        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                    ("Basic", format!("Basic {token}"))
                }
                _ => {
                    return Err(DeployError::Config(
                        "no Kibana credentials: set KIBANA_API_KEY (or KIBANA_USERNAME and \
                         KIBANA_PASSWORD) in the environment, e.g. from a CI secret"
                            .to_string(),
                    ));
                }
            }
        };
        let mut header = HeaderValue::from_str(&text).map_err(|_| {
            DeployError::Config(format!(
                "the Kibana credentials ({scheme}) contain characters not allowed in an HTTP header"
            ))
        })?;
        header.set_sensitive(true);
        Ok(Credentials { header, scheme })
    }
}

/// What one deploy run may cost and how it retries. Every bound holds whatever the server does.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// PEM file of the CA(s) to trust instead of the system roots (a private Kibana CA).
    pub ca_file: Option<PathBuf>,
    /// Overall budget for every request of the run, retries included.
    pub deadline: Duration,
    /// Longest wait for a TCP connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response headers or any body chunk.
    pub idle_timeout: Duration,
    /// Largest success body read (a `_find` page, an import answer).
    pub max_body_bytes: u64,
    /// First backoff after a 5xx or a 429 without `Retry-After`; doubled each retry.
    pub retry_base: Duration,
    /// Largest single backoff.
    pub retry_max: Duration,
    /// Retries after the first attempt (the deadline may stop them sooner).
    pub max_retries: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            ca_file: None,
            deadline: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_body_bytes: 32 * 1024 * 1024,
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(30),
            max_retries: 6,
        }
    }
}

/// A request body and its content type.
#[derive(Debug, Clone)]
pub struct Body {
    /// `Content-Type` header.
    pub content_type: String,
    /// The bytes.
    pub bytes: Bytes,
}

impl Body {
    /// A JSON body.
    pub fn json(value: &serde_json::Value) -> Body {
        Body {
            content_type: "application/json".to_string(),
            bytes: Bytes::from(value.to_string()),
        }
    }

    /// A `multipart/form-data` body with one file field named `file` (what Kibana's `_import`
    /// endpoints read). The boundary is derived from the content so it cannot occur in it by
    /// accident, and the same content always gives the same bytes.
    pub fn multipart_file(filename: &str, content_type: &str, data: &[u8]) -> Body {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(data);
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let boundary = format!("sigmaforge-{hex}");
        let mut out = Vec::with_capacity(data.len() + 256);
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Body {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            bytes: Bytes::from(out),
        }
    }
}

/// One endpoint (Kibana, or Elasticsearch for watches) with credentials, TLS and limits. All
/// requests of one client share one deadline, set when it is built.
pub struct KibanaClient {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// Base URL without a trailing slash (may carry a Kibana `server.basePath`).
    base: String,
    auth: Credentials,
    options: ClientOptions,
    deadline: tokio::time::Instant,
}

impl fmt::Debug for KibanaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KibanaClient")
            .field("base", &self.base)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// Whether `host` is this machine: the only place plain `http://` may go (a local Kibana, a
/// test stand-in), since elsewhere it would send the API key in clear text.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Check a base URL: `https://…`, or `http://` to a loopback host; no query, no user info.
pub fn check_base_url(url: &str) -> Result<String> {
    let bad = |why: &str| DeployError::Config(format!("Kibana URL {url:?}: {why}"));
    let base = url.trim().trim_end_matches('/');
    let uri: http::Uri = base.parse().map_err(|e| bad(&format!("{e}")))?;
    let host = uri.host().ok_or_else(|| bad("no host"))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if is_loopback(host) => {}
        Some("http") => {
            return Err(bad(
                "plain http would send the credentials in clear text; use https \
                 (http is accepted only for localhost)",
            ));
        }
        _ => return Err(bad("must start with https://")),
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(bad(
            "credentials in the URL are not accepted; use KIBANA_API_KEY",
        ));
    }
    if uri.query().is_some() {
        return Err(bad("must not have a query string"));
    }
    Ok(base.to_string())
}

/// The TLS client configuration: the system roots, or only the CAs of `ca_file`.
fn connector(options: &ClientOptions) -> Result<HttpsConnector<HttpConnector>> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(options.connect_timeout));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DeployError::Config(format!("TLS setup: {e}")))?;
    let config = match &options.ca_file {
        Some(path) => {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let pem = crate::fsread::read_bytes(
                path,
                crate::fsread::Cap {
                    what: "CA file",
                    bytes: MAX_CA_FILE_BYTES,
                },
            )?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| {
                    DeployError::Config(format!("{}: not a PEM certificate: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    DeployError::Config(format!("{}: unusable CA certificate: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(DeployError::Config(format!(
                    "{}: no PEM certificate in the CA file",
                    path.display()
                )));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            let found = rustls_native_roots()?;
            builder.with_root_certificates(found).with_no_client_auth()
        }
    };
    Ok(HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http))
}

/// The system's CA roots (what hyper-rustls's native-roots option loads); none found is an
/// error that says how to provide one, since every https request would fail anyway.
fn rustls_native_roots() -> Result<rustls::RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let (added, _ignored) = {
        let mut roots = rustls::RootCertStore::empty();
        // A single malformed system certificate must not stop the others from being used.
        let counts = roots.add_parsable_certificates(found.certs);
        if roots.is_empty() {
            return Err(DeployError::Config(
                "no CA certificates found on this system; install a CA bundle or pass --ca-file"
                    .to_string(),
            ));
        }
        (roots, counts)
    };
    Ok(added)
}

/// Kibana's error body: `{"statusCode":…, "error":…, "message":…}`.
#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

/// The message of an error response: Kibana's `message`, else the text, else the reason.
fn error_message(status: u16, body: Option<&[u8]>) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unknown status");
    let Some(body) = body else {
        return format!("{reason} (error body over {MAX_ERROR_BODY_BYTES} bytes, not read)");
    };
    let text = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|e| e.message)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let text = text.trim();
    if text.is_empty() {
        return reason.to_string();
    }
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// One failed attempt, and whether (and after how long) it may be retried.
struct Failure {
    error: DeployError,
    /// `Some(wait)` from `Retry-After`; `None` means exponential backoff.
    retry_after: Option<Duration>,
    retryable: bool,
}

impl KibanaClient {
    /// A client for `base_url` (checked by [`check_base_url`]); the deadline starts now.
    /// Must be called inside a tokio runtime (the deadline is a tokio instant).
    pub fn new(base_url: &str, auth: Credentials, options: ClientOptions) -> Result<Self> {
        let base = check_base_url(base_url)?;
        let connector = connector(&options)?;
        let http = Client::builder(TokioExecutor::new()).build(connector);
        let deadline = tokio::time::Instant::now() + options.deadline;
        Ok(KibanaClient {
            http,
            base,
            auth,
            options,
            deadline,
        })
    }

    /// Send `method path` (path with query, starting with `/`), retrying 429, 5xx and transport
    /// failures with backoff until the deadline; the success body, capped.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Body>) -> Result<Vec<u8>> {
        let what = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let mut attempt = 0u32;
        loop {
            let once = self.attempt(&method, path, body, &what);
            let failure = match tokio::time::timeout_at(self.deadline, once).await {
                Ok(Ok(bytes)) => return Ok(bytes),
                Ok(Err(f)) => f,
                Err(_) => {
                    return Err(DeployError::Deadline {
                        what,
                        budget: self.options.deadline,
                        last: None,
                    });
                }
            };
            if !failure.retryable || attempt >= self.options.max_retries {
                return Err(failure.error);
            }
            let wait = failure.retry_after.unwrap_or_else(|| {
                self.options
                    .retry_base
                    .saturating_mul(2u32.saturating_pow(attempt))
                    .min(self.options.retry_max)
            });
            if tokio::time::Instant::now() + wait >= self.deadline {
                return Err(DeployError::Deadline {
                    what,
                    budget: self.options.deadline,
                    last: Some(failure.error.to_string()),
                });
            }
            attempt += 1;
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Body>,
        what: &str,
    ) -> std::result::Result<Vec<u8>, Failure> {
        let transport = |message: String| Failure {
            error: DeployError::Transport {
                what: what.to_string(),
                message,
            },
            retry_after: None,
            retryable: true,
        };
        let mut request = Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base))
            .header(http::header::AUTHORIZATION, self.auth.header.clone())
            .header("kbn-xsrf", "sigmaforge")
            .header("elastic-api-version", "2023-10-31")
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("sigmaforge/", env!("CARGO_PKG_VERSION")),
            );
        let payload = match body {
            Some(b) => {
                request = request.header(http::header::CONTENT_TYPE, b.content_type.as_str());
                b.bytes.clone()
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(payload)).map_err(|e| Failure {
            error: DeployError::Config(format!("{what}: cannot build the request: {e}")),
            retry_after: None,
            retryable: false,
        })?;
        let idle = self.options.idle_timeout;
        let response = match tokio::time::timeout(idle, self.http.request(request)).await {
            Err(_) => return Err(transport(format!("no response within {idle:?}"))),
            Ok(Err(e)) => return Err(transport(error_chain(&e))),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let length = response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if status.is_success() {
            let cap = self.options.max_body_bytes;
            if length.is_some_and(|l| l > cap) {
                return Err(Failure {
                    error: DeployError::TooLarge {
                        what: what.to_string(),
                        limit: cap,
                    },
                    retry_after: None,
                    retryable: false,
                });
            }
            return read_capped(response.into_body(), cap, idle, what).await;
        }
        let body = match read_capped(response.into_body(), MAX_ERROR_BODY_BYTES, idle, what).await {
            Ok(b) => Some(b),
            Err(Failure {
                error: DeployError::TooLarge { .. },
                ..
            }) => None,
            Err(f) => return Err(f),
        };
        let code = status.as_u16();
        Err(Failure {
            error: DeployError::Status {
                what: what.to_string(),
                status: code,
                message: error_message(code, body.as_deref()),
            },
            retry_after,
            retryable: code == 429 || status.is_server_error(),
        })
    }
}

/// Read a body chunk by chunk: `idle` is the longest wait for each chunk, `cap` the most bytes
/// kept (past it, reading stops: the rest is never buffered).
async fn read_capped(
    mut body: hyper::body::Incoming,
    cap: u64,
    idle: Duration,
    what: &str,
) -> std::result::Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => {
                return Err(Failure {
                    error: DeployError::Transport {
                        what: what.to_string(),
                        message: format!("no data for {idle:?} while reading the response"),
                    },
                    retry_after: None,
                    retryable: true,
                });
            }
            Ok(None) => return Ok(out),
            Ok(Some(Err(e))) => {
                return Err(Failure {
                    error: DeployError::Transport {
                        what: what.to_string(),
                        message: format!("reading the response: {}", error_chain(&e)),
                    },
                    retry_after: None,
                    retryable: true,
                });
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if (out.len() + data.len()) as u64 > cap {
                return Err(Failure {
                    error: DeployError::TooLarge {
                        what: what.to_string(),
                        limit: cap,
                    },
                    retry_after: None,
                    retryable: false,
                });
            }
            out.extend_from_slice(&data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn credentials_prefer_the_api_key_and_never_show_it() {
        let c = Credentials::from_env(env(&[
            ("KIBANA_API_KEY", "c2VjcmV0a2V5"),
            ("KIBANA_USERNAME", "u"),
            ("KIBANA_PASSWORD", "p"),
        ]))
        .unwrap();
        assert_eq!(c.header.to_str().unwrap(), "ApiKey c2VjcmV0a2V5");
        assert!(c.header.is_sensitive());
        assert_eq!(format!("{c:?}"), "Credentials(ApiKey <redacted>)");
        let basic = Credentials::from_env(env(&[
            ("KIBANA_USERNAME", "elastic"),
            ("KIBANA_PASSWORD", "changeme"),
        ]))
        .unwrap();
        assert_eq!(
            basic.header.to_str().unwrap(),
            "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="
        );
        let none = Credentials::from_env(env(&[("KIBANA_USERNAME", "elastic")])).unwrap_err();
        assert!(none.to_string().contains("KIBANA_API_KEY"), "{none}");
        let bad = Credentials::from_env(env(&[("KIBANA_API_KEY", "a\nb")])).unwrap_err();
        assert!(!bad.to_string().contains("a\nb"), "{bad}");
    }

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert_eq!(
            check_base_url("https://kb.example:5601/").unwrap(),
            "https://kb.example:5601"
        );
        assert_eq!(
            check_base_url("https://kb.example/kibana").unwrap(),
            "https://kb.example/kibana"
        );
        for ok in [
            "http://127.0.0.1:5601",
            "http://localhost:5601",
            "http://[::1]:80",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://kb.example:5601",
            "ftp://kb.example",
            "kb.example",
            "https://user:pw@kb.example",
            "https://kb.example/?x=1",
        ] {
            let err = check_base_url(bad).unwrap_err();
            assert!(matches!(err, DeployError::Config(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn multipart_is_deterministic_and_framed() {
        let a = Body::multipart_file("rules.ndjson", "application/ndjson", b"{\"a\":1}\n");
        let b = Body::multipart_file("rules.ndjson", "application/ndjson", b"{\"a\":1}\n");
        assert_eq!(a.bytes, b.bytes);
        let boundary = a.content_type.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8(a.bytes.to_vec()).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")), "{text}");
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")), "{text}");
        assert!(text.contains("filename=\"rules.ndjson\""), "{text}");
        assert!(text.contains("\r\n\r\n{\"a\":1}\n\r\n"), "{text}");
    }

    #[test]
    fn error_messages_use_kibanas_message() {
        let body = br#"{"statusCode":400,"error":"Bad Request","message":"bad space"}"#;
        assert_eq!(error_message(400, Some(body)), "bad space");
        assert_eq!(error_message(502, Some(b"")), "Bad Gateway");
        assert!(error_message(500, None).contains("not read"));
    }
}
