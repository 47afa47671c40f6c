//! Text messages to residents through a pluggable sender: [`LogSender`] (the default: writes
//! the masked number and the text to the log) or [`HttpSender`] (a gateway over plain HTTP).
//!
//! Every call carries an idempotency key (the outbox row's id). A message is sent again with
//! the same key when the process died between the gateway's answer and recording it, so a
//! gateway that honours the key delivers it once.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tongxin_domain::kernel::mask::mask_phone;

/// What [`SmsSender::send`] returns: a boxed future, so senders can sit behind `dyn`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Sends one text message. `Err` carries a reason for the log and the outbox (no personal data).
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, text: &'a str, idempotency_key: &'a str) -> SendFuture<'a>;
}

/// Writes messages to the log instead of sending them: the number masked (`138****5678`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSender;

impl SmsSender for LogSender {
    fn send<'a>(&'a self, to: &'a str, text: &'a str, idempotency_key: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(to = %mask_phone(to), text, id = idempotency_key, "短信（日志发送器，未实际发送）");
            Ok(())
        })
    }
}

/// How long one send may take (the delivery job stops waiting after this; a gateway call's
/// connection is included).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Posts `{"to", "text", "id"}` as JSON to an SMS gateway over plain HTTP, with the headers
/// `Idempotency-Key: <id>` and `Authorization: Bearer <token>`. Any 2xx answer means sent.
#[derive(Clone)]
pub struct HttpSender {
    pub url: String,
    pub token: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for HttpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSender").field("url", &self.url).finish_non_exhaustive()
    }
}

impl HttpSender {
    /// A sender for `url` (`http://host:port/path`; this build has no TLS, so put a local
    /// relay in front of an HTTPS gateway). Must be called inside a Tokio runtime to send.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Result<HttpSender, String> {
        let url = url.into();
        let uri: hyper::Uri = url.parse().map_err(|e| format!("短信网关地址无效：{e}"))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err("短信网关地址必须以 http:// 开头并包含主机名（本程序不含 TLS）".into());
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(SEND_TIMEOUT));
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(HttpSender { url, token: token.into(), client })
    }

    async fn post(&self, to: &str, text: &str, key: &str) -> Result<(), String> {
        let body = serde_json::json!({ "to": to, "text": text, "id": key }).to_string();
        let req = hyper::Request::post(self.url.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .header(hyper::header::AUTHORIZATION, format!("Bearer {}", self.token))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("短信请求无效：{e}"))?;
        let res = self.client.request(req).await.map_err(|e| format!("短信网关连接失败：{e}"))?;
        let status = res.status();
        // Read the answer to the end so the connection can be reused; its content is not
        // logged (a gateway may echo the number).
        let _ = res.into_body().collect().await;
        if status.is_success() { Ok(()) } else { Err(format!("短信网关返回 {status}")) }
    }
}

impl SmsSender for HttpSender {
    fn send<'a>(&'a self, to: &'a str, text: &'a str, idempotency_key: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            match tokio::time::timeout(SEND_TIMEOUT, self.post(to, text, idempotency_key)).await {
                Ok(r) => r,
                Err(_) => Err(format!("短信网关 {} 秒内无应答", SEND_TIMEOUT.as_secs())),
            }
        })
    }
}
