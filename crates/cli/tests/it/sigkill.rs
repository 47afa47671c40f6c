//! Durability of intake: the server is killed with SIGKILL in the middle of a load, and every
//! case it answered 201 for is found in the database afterwards (SQLite, WAL, synchronous =
//! NORMAL: a commit survives the process; each request is answered after its batch commits).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tongxin_store::{Db, PiiKey, Store};
use tongxin_testkit::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_tongxin");

fn tongxin(dir: &TempDir, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir.path())
        .args(["--database-url", "sqlite://t.db"])
        .args(args)
        .env("TONGXIN__SECURITY__PII_KEY_FILE", dir.path().join("key"))
        .env("TONGXIN__SERVER__REPORTS_PER_IP_PER_HOUR", "100000000")
        .env("TONGXIN__SERVER__REPORTS_PER_PHONE_PER_HOUR", "100000000")
        .env("RUST_LOG", "warn");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(serde::Deserialize)]
struct Created {
    code: String,
    follow_token: String,
}

#[test]
fn every_acknowledged_report_survives_sigkill() {
    let dir = tongxin_testkit::temp_dir("sigkill");
    let status = tongxin(&dir, &["demo", "--scale", "tiny", "--no-serve"]).stdout(Stdio::null()).status().unwrap();
    assert!(status.success(), "demo data");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = KillOnDrop(
        tongxin(&dir, &["serve", "--bind", &format!("127.0.0.1:{port}")]).stdout(Stdio::null()).spawn().unwrap(),
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let acknowledged: Vec<Created> = runtime.block_on(async {
        let key = std::fs::read_to_string(dir.path().join("key")).unwrap();
        let store = Store::new(
            Db::connect(dir.path().join("t.db").to_str().unwrap()).await.unwrap(),
            PiiKey::from_hex(&key).unwrap(),
            Arc::new(tongxin_domain::kernel::clock::SystemClock),
        );
        let points: Vec<(f64, f64)> =
            store.places().building_points().await.unwrap().into_iter().map(|(_, x, y)| (x, y)).collect();
        store.db.close().await;
        let client = tongxin::bench_support::http_client();
        // Wait for the server.
        let started = Instant::now();
        while tongxin::bench_support::post_report(&client, &url, "{}".into()).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for worker in 0..16 {
            let (client, url, points, stop) = (client.clone(), url.clone(), points.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let mut ok = Vec::new();
                let mut i = worker;
                while !stop.load(Ordering::Relaxed) {
                    let body = tongxin::bench_support::report_body(7, i, points[i % points.len()]);
                    match tongxin::bench_support::post_report(&client, &url, body).await {
                        Ok((201, bytes)) => ok.push(serde_json::from_slice::<Created>(&bytes).unwrap()),
                        Ok(_) => {}
                        Err(_) => break, // the server is gone
                    }
                    i += 16;
                }
                ok
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // SIGKILL mid-load.
        let pid = server.0.id();
        let killed = Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
        assert!(killed.success());
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    drop(server);
    assert!(acknowledged.len() > 20, "the load ran ({} acknowledged)", acknowledged.len());

    runtime.block_on(async {
        let key = std::fs::read_to_string(dir.path().join("key")).unwrap();
        let store = Store::new(
            Db::connect(dir.path().join("t.db").to_str().unwrap()).await.unwrap(),
            PiiKey::from_hex(&key).unwrap(),
            Arc::new(tongxin_domain::kernel::clock::SystemClock),
        );
        let mut missing = Vec::new();
        for c in &acknowledged {
            if store.cases().for_requester(&c.code, &c.follow_token).await.is_err() {
                missing.push(c.code.clone());
            }
        }
        assert!(missing.is_empty(), "{} of {} acknowledged cases lost: {missing:?}", missing.len(), acknowledged.len());
        assert!(store.audit().verify().await.unwrap().is_ok(), "the audit chain survived the kill");
        println!("SIGKILL test: {} acknowledged reports, all found after the kill", acknowledged.len());
        store.db.close().await;
    });
}
