//! HTTP helpers shared by `tongxin bench intake` and the durability test.

/// A keep-alive HTTP/1.1 client for the load generator and the durability test.
pub type HttpClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<hyper::body::Bytes>,
>;

pub fn http_client() -> HttpClient {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// One resident report of the load: a unique text at a building's position.
pub fn report_body(run: u64, i: usize, point: (f64, f64)) -> String {
    serde_json::json!({
        "category": "city.noise",
        "description": format!("压测{run}：第{i}号反映，楼下夜间施工噪音扰民"),
        "lng": point.0,
        "lat": point.1,
        "phone": format!("139{:08}", i % 100_000_000),
    })
    .to_string()
}

/// POSTs a report; returns the status and body.
pub async fn post_report(client: &HttpClient, url: &str, body: String) -> anyhow::Result<(u16, Vec<u8>)> {
    use http_body_util::BodyExt;
    let req = hyper::Request::post(format!("{url}/api/v1/reports"))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))?;
    let resp = client.request(req).await?;
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await?.to_bytes().to_vec();
    Ok((status, bytes))
}
