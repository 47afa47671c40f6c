//! `tongxin bench room`: the online mediation room's latency (issue 12: a message reaches the
//! other parties in < 200 ms p99 with 200 open rooms).
//!
//! On the (demo) database it opens `rooms` disputes in mediation, each with a mediator and two
//! parties who joined with their SMS codes, serves the application on a local TCP port as
//! `tongxin serve` does, and opens every member's live feed (Server-Sent Events) over HTTP —
//! three per room. Then, for `seconds`, each room's members take turns posting a message every
//! `interval_ms` through the same HTTP form a browser posts. A message's latency is from just
//! before its POST to the moment another member's feed delivers it; the author's own feed is
//! not counted. Prints deliveries, p50, p99 and the slowest.

use crate::bench::percentile;
use anyhow::{Context, bail, ensure};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tongxin::bench_support::{HttpClient, http_client};
use tongxin_app::mediation::orgs::{MediatorForm, OrgForm, create_mediator, create_org};
use tongxin_app::mediation::room::invite_token;
use tongxin_app::mediation::{PartyForm, Registration, Who, act, register};
use tongxin_domain::mediation::kinds::{DisputeType, Source};
use tongxin_domain::mediation::mediator::{Appointment, MediatorInput, MediatorRef};
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::{Action, ConsentForm, SessionPlace};
use tongxin_store::Store;
use tongxin_store::mediation::PartySide;
use tongxin_store::mediation::room::CodePurpose;
use tongxin_web::{AppState, WebConfig};

const PASSWORD: &str = "Tongxin@2026";
/// The double-submit token a party's browser holds (any value of 32+ characters).
const FORM_TOKEN: &str = "benchbenchbenchbenchbenchbench0000";

/// One member of a room: where they post, what they read, and their cookies and token.
#[derive(Clone)]
struct Member {
    /// `m` for the mediator, `p0`/`p1` for the parties.
    tag: String,
    base: String,
    cookie: String,
    csrf: String,
}

/// The send time of every message, by its number.
type Sent = Arc<Mutex<HashMap<u64, Instant>>>;

/// Latencies in ms of deliveries to members other than the author.
type Seen = Arc<Mutex<Vec<f64>>>;

pub async fn room(store: &Store, rooms: usize, seconds: u64, interval_ms: u64) -> anyhow::Result<()> {
    ensure!((1..=2_000).contains(&rooms), "--rooms 应在 1 到 2000 之间");
    ensure!(seconds >= 1 && interval_ms >= 50, "--seconds 至少 1，--interval-ms 至少 50");
    let accounts = store.accounts();
    let mediator = accounts.credentials("mediator").await.context("没有演示账号 mediator，请先运行 demo")?.user;
    let admin = accounts.credentials("admin").await?.user;
    let street = match &mediator.scope {
        tongxin_domain::kernel::access::Scope::Region { code } => code.as_str().to_string(),
        _ => bail!("演示调解员的范围不是街道"),
    };
    let grid = store
        .regions()
        .in_scope(&mediator.scope, true)
        .await?
        .into_iter()
        .map(|r| r.code)
        .find(|c| c.len() == 15)
        .context("街道下没有网格")?;
    eprintln!("准备 {rooms} 个在线调解室（每个调解员 1 人、当事人 2 人）…");
    let run = store.now().timestamp();
    let org = OrgForm {
        kind: OrgKind::SocialOrganisation,
        name: format!("压测调解工作室{run}"),
        region_code: street.clone(),
        field: None,
        multi_ethnic: false,
    };
    let org = create_org(store, &admin, org).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let form = MediatorForm {
        input: MediatorInput {
            org_id: org.id,
            name: "压测调解员".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1970, 1, 1).context("date")?,
            appointment: Appointment::Hired,
            term_start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).context("date")?,
            term_end: None,
            specialities: vec![DisputeType::Neighbourhood],
        },
        user_id: Some(mediator.id),
        qualification: String::new(),
    };
    let record = create_mediator(store, &admin, form).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let desk = Who::Staff(admin.clone());
    let mut disputes = Vec::with_capacity(rooms);
    for i in 0..rooms {
        let party = |name: &str, side, n: usize| PartyForm {
            name: name.into(),
            side,
            resident_id: None,
            id_number: String::new(),
            phone: format!("137{:08}", (run as usize % 1000) * 100_000 + n),
            consent: Some(ConsentForm::Online),
        };
        let registration = Registration {
            region: Some(grid.clone()),
            org_id: org.id,
            level: None,
            dispute_type: DisputeType::Neighbourhood,
            source: Source::Online,
            referred_case_id: None,
            summary: format!("压测纠纷 {i}：相邻关系"),
            amount: String::new(),
            parties: vec![party("甲方", PartySide::Applicant, 2 * i), party("乙方", PartySide::Respondent, 2 * i + 1)],
            screening_id: None,
        };
        let fail = |e: tongxin_app::mediation::DisputeError| anyhow::anyhow!("{e}");
        let d = register(store, &desk, registration).await.map_err(fail)?;
        let d = act(store, &desk, d.id, d.version, Action::Accept).await.map_err(fail)?;
        let assign = Action::AssignMediators {
            mediators: vec![MediatorRef { id: record.mediator.id, active: true }],
            chosen_by_parties: false,
        };
        let d = act(store, &desk, d.id, d.version, assign).await.map_err(fail)?;
        let session = Action::RecordSession {
            held_on: tongxin_domain::case::deadline::shanghai_date(store.now()),
            place: SessionPlace::Online,
            attendees: vec!["甲方".into(), "乙方".into()],
            notes: "在线调解".into(),
        };
        let d = act(store, &Who::Staff(mediator.clone()), d.id, d.version, session).await.map_err(fail)?;
        disputes.push((d.id, d.code));
    }

    // The server, as `tongxin serve` runs it, with room for every feed.
    let state = AppState::new(store.clone(), WebConfig::default()).await?;
    let app = tongxin_web::app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let limits = tongxin_web::server::Limits { max_connections: 4 * rooms + 64, ..Default::default() };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tongxin_web::server::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));
    let client = http_client();

    // The mediator logs in; each party joins with the code sent to their phone.
    let login = serde_json::json!({ "username": "mediator", "password": PASSWORD }).to_string();
    let req = hyper::Request::post(format!("{url}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(login)))?;
    let resp = client.request(req).await?;
    ensure!(resp.status().is_success(), "调解员登录失败：{}", resp.status());
    let session_cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("登录没有返回会话")?
        .to_string();
    let body: serde_json::Value = serde_json::from_slice(&resp.into_body().collect().await?.to_bytes())?;
    let csrf = body["csrf_token"].as_str().context("登录没有返回 csrf_token")?.to_string();
    let mut members: Vec<Vec<Member>> = Vec::with_capacity(rooms);
    for (id, code) in &disputes {
        let mut room = vec![Member {
            tag: "m".into(),
            base: format!("{url}/rooms/{id}"),
            cookie: session_cookie.clone(),
            csrf: csrf.clone(),
        }];
        for idx in 0..2u16 {
            store.mediation().room_issue_code(*id, code, idx, CodePurpose::Join, "验证码 {otp}").await?;
            let otp = last_code(store, *id, idx).await?;
            let token = store.mediation().room_join(*id, code, idx, &otp).await?.context("验证码未通过")?;
            room.push(Member {
                tag: format!("p{idx}"),
                base: format!("{url}/r/{}", invite_token(store, *id, idx)),
                cookie: format!("tx_room={token}; tx_form_csrf={FORM_TOKEN}"),
                csrf: FORM_TOKEN.into(),
            });
        }
        members.push(room);
    }

    // Every member's feed, from now on.
    let after = store.mediation().room_last_message_id().await?;
    let sent: Sent = Arc::default();
    let seen: Seen = Arc::default();
    let connected = Arc::new(AtomicUsize::new(0));
    let mut feeds = tokio::task::JoinSet::new();
    for room in &members {
        for m in room {
            let (client, m, sent, seen, connected) =
                (client.clone(), m.clone(), sent.clone(), seen.clone(), connected.clone());
            feeds.spawn(async move { read_feed(&client, &m, after, &sent, &seen, &connected).await });
        }
    }
    let feeds_total = rooms * 3;
    let wait_until = Instant::now() + Duration::from_secs(30);
    while connected.load(Ordering::Relaxed) < feeds_total {
        ensure!(
            Instant::now() < wait_until,
            "只有 {} / {feeds_total} 个实时连接建立",
            connected.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("{feeds_total} 个实时连接已建立；每个调解室每 {interval_ms} ms 发一条消息，持续 {seconds} 秒…");

    // The talk: members take turns; rooms start spread over one interval.
    let numbers = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut talk = tokio::task::JoinSet::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    for (r, room) in members.iter().enumerate() {
        let (client, room, sent, numbers) = (client.clone(), room.clone(), sent.clone(), numbers.clone());
        let offset = Duration::from_millis(interval_ms * r as u64 / rooms as u64);
        talk.spawn(async move {
            tokio::time::sleep(offset).await;
            let mut turn = 0usize;
            let mut posted = 0u64;
            while Instant::now() < end {
                let m = &room[turn % room.len()];
                turn += 1;
                let n = numbers.fetch_add(1, Ordering::Relaxed);
                sent.lock().unwrap_or_else(|e| e.into_inner()).insert(n, Instant::now());
                post(&client, m, &format!("bench#{n}#{}", m.tag)).await?;
                posted += 1;
                tokio::time::sleep(Duration::from_millis(interval_ms)).await;
            }
            anyhow::Ok(posted)
        });
    }
    let mut messages = 0u64;
    while let Some(r) = talk.join_next().await {
        messages += r??;
    }
    // Let the last deliveries arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    feeds.abort_all();
    let _ = stop.send(());
    let _ = server.await;

    let mut ms = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    ms.sort_by(f64::total_cmp);
    let expected = messages * 2;
    println!("| 调解室 | 实时连接 | 消息 | 应送达 | 已送达 | p50 | p99 | 最慢 |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {rooms} | {feeds_total} | {messages} | {expected} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
        ms.len(),
        percentile(&ms, 0.50),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0)
    );
    ensure!(ms.len() as u64 == expected, "有 {} 条消息没有送达", expected.saturating_sub(ms.len() as u64));
    Ok(())
}

/// The code in the latest text to a party (its last six digits).
async fn last_code(store: &Store, dispute_id: i64, idx: u16) -> anyhow::Result<String> {
    let text = store.mediation().last_text_to_party(dispute_id, idx).await?.context("没有发给当事人的短信")?;
    let digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
    ensure!(digits.len() >= 6, "短信里没有验证码");
    Ok(digits[digits.len() - 6..].iter().collect())
}

/// Posts a message to everyone through the room's form.
async fn post(client: &HttpClient, m: &Member, text: &str) -> anyhow::Result<()> {
    const B: &str = "----tongxin-bench";
    let mut body = String::new();
    for (name, value) in [("_csrf", m.csrf.as_str()), ("to", "all"), ("body", text)] {
        body.push_str(&format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{B}--\r\n"));
    let req = hyper::Request::post(format!("{}/messages", m.base))
        .header("content-type", format!("multipart/form-data; boundary={B}"))
        .header("cookie", &m.cookie)
        .header("x-requested-with", "fetch")
        .body(Full::new(Bytes::from(body)))?;
    let resp = client.request(req).await?;
    let status = resp.status();
    let text = resp.into_body().collect().await?.to_bytes();
    ensure!(status.is_success(), "发送失败 {status}：{}", String::from_utf8_lossy(&text));
    Ok(())
}

/// Reads one member's feed, recording when others' messages arrive.
async fn read_feed(
    client: &HttpClient,
    m: &Member,
    after: i64,
    sent: &Sent,
    seen: &Seen,
    connected: &AtomicUsize,
) -> anyhow::Result<()> {
    let req = hyper::Request::get(format!("{}/feed?after={after}", m.base))
        .header("cookie", &m.cookie)
        .body(Full::new(Bytes::new()))?;
    let resp = client.request(req).await?;
    ensure!(resp.status().is_success(), "实时连接失败：{}", resp.status());
    connected.fetch_add(1, Ordering::Relaxed);
    let mut body = resp.into_body();
    let mut buffer = String::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else { continue };
        let data: Bytes = data;
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let Some(json) = event.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
            let Ok(line) = serde_json::from_str::<serde_json::Value>(json) else { continue };
            let Some(tag) = line["body"].as_str() else { continue };
            let mut parts = tag.split('#');
            let (Some("bench"), Some(n), Some(author)) = (parts.next(), parts.next(), parts.next()) else { continue };
            if author == m.tag {
                continue;
            }
            let Ok(n) = n.parse::<u64>() else { continue };
            let at = sent.lock().unwrap_or_else(|e| e.into_inner()).get(&n).copied();
            if let Some(at) = at {
                seen.lock().unwrap_or_else(|e| e.into_inner()).push(now.duration_since(at).as_secs_f64() * 1000.0);
            }
        }
    }
    Ok(())
}
