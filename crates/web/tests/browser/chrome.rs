//! A headless Chromium for tests of the pages as people see them: the app served over real TCP,
//! a chromedriver of our own, and a WebDriver client ([`fantoccini`]) with a few helpers that
//! wait for what they touch and panic with the page's address when it does not come.
//!
//! [`Browser::start`] returns `None`, after a loud `SKIPPED` line, when chromium or chromedriver
//! is missing (`apt-get install chromium chromium-driver fonts-wqy-microhei`); the paths can be
//! overridden with `TONGXIN_CHROMIUM` and `TONGXIN_CHROMEDRIVER`. Every browser has its own ports
//! and profile directory, so tests may run in parallel; dropping it ends chromedriver and every
//! Chromium process it started, even when the test panicked.

#![allow(dead_code)]

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long helpers wait for an element, and chromedriver for its start.
pub const WAIT: Duration = Duration::from_secs(10);
/// Window sizes: an office PC (the default) and a phone.
pub const DESKTOP: (u32, u32) = (1366, 768);
pub const PHONE: (u32, u32) = (390, 844);

/// Fields drop in this order: the WebDriver session, chromedriver with its Chromium, the
/// profile directory, the server.
pub struct Browser {
    client: Option<Client>,
    /// `http://127.0.0.1:PORT`, where the app is served.
    pub base: String,
    _driver: Driver,
    _scratch: Scratch,
    _server: Server,
}

/// chromedriver in its own process group; dropping it kills the group (Chromium included).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server(tokio::task::JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| default.into())
}

/// Written to the process's own stdout and stderr: `cargo test` captures `println!` of passing
/// tests, and a skip must never look like a silent pass.
fn shout(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Starts chromedriver on a free port and waits until it accepts connections. A port found
/// free may be taken before chromedriver binds it; chromedriver then exits and we try another.
async fn start_driver(chromedriver: &std::path::Path) -> (Driver, u16) {
    for _ in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Driver(child);
        let started = Instant::now();
        while started.elapsed() < WAIT {
            if driver.0.try_wait().unwrap().is_some() {
                break;
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return (driver, port);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("{} did not start (tried three ports)", chromedriver.display());
}

/// `CARGO_TARGET_DIR` (relative to the workspace when relative) or the workspace's `target/`.
fn target_dir() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
}

impl Browser {
    /// Serves `app` on 127.0.0.1 and opens a headless Chromium with a 1366×768 viewport on it;
    /// `None` when Chromium or chromedriver is not installed.
    pub async fn start(app: axum::Router) -> Option<Browser> {
        Browser::launch(app, true).await
    }

    /// [`Browser::start_at`] with the page's own scripts switched off (as a resident whose
    /// browser blocks JavaScript); WebDriver's scripts still run.
    pub async fn start_without_javascript(app: axum::Router, (w, h): (u32, u32)) -> Option<Browser> {
        let browser = Browser::launch(app, false).await?;
        browser.set_viewport(w, h).await;
        Some(browser)
    }

    async fn launch(app: axum::Router, javascript: bool) -> Option<Browser> {
        let chromium = binary("TONGXIN_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = binary("TONGXIN_CHROMEDRIVER", "/usr/bin/chromedriver");
        let missing: Vec<String> =
            [&chromium, &chromedriver].into_iter().filter(|p| !p.is_file()).map(|p| p.display().to_string()).collect();
        if !missing.is_empty() {
            // CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
            assert!(
                std::env::var("CI").is_err(),
                "CI is set but chromium/chromedriver are missing: {}",
                missing.join(", ")
            );
            shout(&format!(
                "SKIPPED browser tests: chromium/chromedriver not found: {} (install chromium chromium-driver)",
                missing.join(", ")
            ));
            return None;
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = Server(tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        }));
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let scratch = Scratch(std::env::temp_dir().join(format!(
            "tongxin-browser-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        )));
        let profile = scratch.0.join("profile");
        std::fs::create_dir_all(&profile).unwrap();
        let (driver, port) = start_driver(&chromedriver).await;
        let mut browser = Browser { client: None, base, _driver: driver, _scratch: scratch, _server: server };

        let (w, h) = DESKTOP;
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--lang=zh-CN",
            &format!("--window-size={w},{h}"),
            &format!("--user-data-dir={}", profile.display()),
        ];
        let prefs = if javascript {
            serde_json::json!({})
        } else {
            serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 })
        };
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args, "prefs": prefs },
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("chromedriver on port {port} could not start {}: {e}", chromium.display()));
        browser.client = Some(client);
        // --window-size is the outer size; headless Chromium keeps room for a toolbar.
        browser.set_viewport(w, h).await;
        Some(browser)
    }

    /// [`Browser::start`] with the page's viewport sized to `(w, h)`.
    pub async fn start_at(app: axum::Router, (w, h): (u32, u32)) -> Option<Browser> {
        let browser = Browser::start(app).await?;
        browser.set_viewport(w, h).await;
        Some(browser)
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("browser is open")
    }

    /// Opens `path` (e.g. `/login`) on the app.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client().goto(&url).await.unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Sizes the window so that the page's viewport (`innerWidth`×`innerHeight`) is w×h.
    pub async fn set_viewport(&self, w: u32, h: u32) {
        let c = self.client();
        c.set_window_size(w, h).await.unwrap();
        let inner = self.execute("return [window.innerWidth, window.innerHeight]").await;
        let (iw, ih) = (inner[0].as_i64().unwrap(), inner[1].as_i64().unwrap());
        if (iw, ih) != (i64::from(w), i64::from(h)) {
            let (dw, dh) = (i64::from(w) - iw, i64::from(h) - ih);
            c.set_window_size((i64::from(w) + dw) as u32, (i64::from(h) + dh) as u32).await.unwrap();
        }
        let inner = self.execute("return [window.innerWidth, window.innerHeight]").await;
        assert_eq!(inner, serde_json::json!([w, h]), "viewport after resizing to {w}×{h}");
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub async fn execute(&self, script: &str) -> serde_json::Value {
        self.client().execute(script, Vec::new()).await.unwrap_or_else(|e| panic!("script {script:?}: {e}"))
    }

    /// Waits up to [`WAIT`] for an element matching `css` on the current page.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self.client().wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let url = self.client().current_url().await.map(|u| u.to_string()).unwrap_or_default();
                let source = self.page_source().await;
                panic!("no {css:?} on {url} after {WAIT:?} ({e}); the page:\n{source}")
            }
        }
    }

    /// Replaces the value of the input matching `css` with `text`, typed as keys.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.wait_for(css).await;
        input.clear().await.unwrap_or_else(|e| panic!("clear {css:?}: {e}"));
        input.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css:?}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css:?}: {e}"));
    }

    /// The rendered text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap_or_else(|e| panic!("text of {css:?}: {e}"))
    }

    pub async fn page_source(&self) -> String {
        self.client().source().await.unwrap_or_else(|e| format!("(no page source: {e})"))
    }

    /// The path of the current address, e.g. `/login`.
    pub async fn current_path(&self) -> String {
        self.client().current_url().await.expect("current url").path().to_string()
    }

    /// Saves the viewport as `target/browser-screenshots/<name>.png` and returns the path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client().screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        let dir = target_dir().join("browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Fills in the login form on the current page and submits it; `totp` for the second factor.
    pub async fn submit_login(&self, username: &str, password: &str, totp: Option<&str>) {
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        if let Some(code) = totp {
            self.fill("#totp_code", code).await;
        }
        self.click("button[type=submit]").await;
    }

    /// Logs in through `/login?next={next}` and waits for the signed-in page (its logout form).
    pub async fn log_in(&self, next: &str, username: &str, password: &str) {
        self.goto(&format!("/login?next={next}")).await;
        self.submit_login(username, password, None).await;
        self.wait_for("form[action='/logout']").await;
    }

    /// Asserts that the page does not scroll sideways; the viewport's width.
    pub async fn assert_fits_width(&self, what: &str) -> i64 {
        let widths = self.execute("return [document.documentElement.scrollWidth, window.innerWidth]").await;
        let (scroll, inner) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(scroll <= inner, "{what} scrolls sideways on a phone ({scroll} > {inner})");
        inner
    }

    /// Ends the WebDriver session (Chromium quits), then chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}
