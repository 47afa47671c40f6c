//! The HTTP gateway sender against a tiny axum server on 127.0.0.1.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::sync::{Arc, Mutex};
use tongxin_jobs::{HttpSender, LogSender, SmsSender};

#[derive(Default)]
struct Gateway {
    /// (Idempotency-Key, Authorization, Content-Type, body)
    seen: Mutex<Vec<(String, String, String, serde_json::Value)>>,
    status: Mutex<u16>,
}

async fn receive(State(g): State<Arc<Gateway>>, headers: HeaderMap, body: String) -> StatusCode {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    g.seen.lock().unwrap().push((h("idempotency-key"), h("authorization"), h("content-type"), json));
    StatusCode::from_u16(*g.status.lock().unwrap()).unwrap()
}

#[tokio::test]
async fn posts_json_with_idempotency_key_and_bearer_token() {
    let gateway = Arc::new(Gateway { status: Mutex::new(200), ..Default::default() });
    let app = axum::Router::new().route("/sms", post(receive)).with_state(gateway.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let sender = HttpSender::new(format!("http://{addr}/sms"), "s3cret").unwrap();
    sender.send("13812345678", "您反映的诉求 TX1 已办结。", "42").await.unwrap();
    sender.send("13812345678", "您反映的诉求 TX1 已办结。", "42").await.unwrap();
    {
        let seen = gateway.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        let (key, auth, ctype, body) = &seen[0];
        assert_eq!((key.as_str(), auth.as_str(), ctype.as_str()), ("42", "Bearer s3cret", "application/json"));
        assert_eq!(body, &serde_json::json!({ "to": "13812345678", "text": "您反映的诉求 TX1 已办结。", "id": "42" }));
        assert_eq!(seen[0], seen[1], "a retry carries the same key and body");
    }

    *gateway.status.lock().unwrap() = 503;
    let err = sender.send("13812345678", "文本", "43").await.unwrap_err();
    assert!(err.contains("503"), "{err}");
    assert!(!err.contains("13812345678"), "no number in errors");
    server.abort();

    // Nobody listening on the gateway's port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let nowhere = HttpSender::new(format!("http://{closed_addr}/sms"), "s3cret").unwrap();
    let err = nowhere.send("13812345678", "文本", "44").await.unwrap_err();
    assert!(err.contains("连接失败") || err.contains("无应答"), "{err}");
}

#[test]
fn only_plain_http_gateways_are_accepted() {
    assert!(HttpSender::new("https://sms.example.com/send", "t").is_err());
    assert!(HttpSender::new("not a url", "t").is_err());
    assert!(HttpSender::new("http://127.0.0.1:9/send", "t").is_ok());
}

#[tokio::test]
async fn the_log_sender_accepts_everything() {
    assert_eq!(LogSender.send("13812345678", "文本", "1").await, Ok(()));
}
