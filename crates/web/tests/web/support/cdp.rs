//! A small client for headless Chromium over the Chrome DevTools Protocol.
//!
//! Used by the browser tests and the README screenshot helper. It launches
//! Chromium with `--remote-debugging-port=0`, reads the chosen port from
//! `<user-data-dir>/DevToolsActivePort`, connects one websocket to the
//! browser endpoint and drives each [`Page`] through a flattened target
//! session (`Target.attachToTarget {flatten: true}`).
//!
//! A background task reads the websocket: responses are routed to their
//! caller by message id, events are routed to the page's session by
//! `sessionId`. Page loads are tracked through `Page.lifecycleEvent` (name
//! `load`, main frame only): every page keeps a counter of load events and
//! the loader ids that finished loading, so waiting for a navigation never
//! races with the action that started it.
//!
//! Every wait has a timeout and every error says what was being done. The
//! client never panics; all failures come back as `Err(String)`.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Environment variable naming the Chromium binary used by the tests.
pub const CHROMIUM_ENV: &str = "STEPWISE_TEST_CHROMIUM";

/// How long Chromium may take to write its `DevToolsActivePort` file.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a navigation may take to reach its load event.
const LOAD_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a single CDP command may take to be answered.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Poll interval for [`Page::wait_for`] and the launch wait.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How many finished loader ids a page remembers.
const REMEMBERED_LOADS: usize = 64;
/// How many lines of Chromium's stderr are kept for error messages.
const STDERR_LINES: usize = 40;

static NEXT_PROFILE: AtomicU64 = AtomicU64::new(0);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked while holding it;
    // the data (maps of channels) is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Quotes a Rust string as a JavaScript string literal.
fn js_str(s: &str) -> String {
    // A JSON string is a valid JavaScript string literal (ES2019 and later
    // also accept raw U+2028/U+2029 inside it).
    Value::String(s.to_owned()).to_string()
}

// ---------------------------------------------------------------------------
// Connection: one websocket to the browser, shared by all pages.
// ---------------------------------------------------------------------------

/// What a page's session has seen, published through a watch channel.
#[derive(Debug, Clone, Default)]
struct PageEvents {
    /// Number of main-frame `load` lifecycle events seen.
    loads: u64,
    /// Loader ids of the most recent main-frame loads, oldest first.
    loaded: VecDeque<String>,
    /// Set when the session is gone (detached, crashed, connection closed).
    gone: Option<String>,
}

struct SessionState {
    /// Main frame id (equal to the target id in Chromium).
    frame_id: String,
    events: watch::Sender<PageEvents>,
}

type Reply = Result<Value, String>;

/// A command waiting for its reply.
struct Pending {
    method: String,
    session: Option<String>,
    tx: oneshot::Sender<Reply>,
}

struct Conn {
    out: mpsc::UnboundedSender<String>,
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, Pending>>,
    sessions: Mutex<HashMap<String, Arc<SessionState>>>,
    /// Set (with the reason) once the websocket is closed.
    closed: Mutex<Option<String>>,
}

impl Conn {
    async fn connect(ws_url: &str) -> Result<(Arc<Conn>, Vec<JoinHandle<()>>), String> {
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let (ws, _) = tokio::time::timeout(
            COMMAND_TIMEOUT,
            tokio_tungstenite::connect_async_with_config(ws_url, Some(config), true),
        )
        .await
        .map_err(|_| format!("timed out connecting to the DevTools websocket {ws_url}"))?
        .map_err(|e| format!("could not connect to the DevTools websocket {ws_url}: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        let conn = Arc::new(Conn {
            out,
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            closed: Mutex::new(None),
        });

        let writer = tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        let reader_conn = Arc::clone(&conn);
        let reader = tokio::spawn(async move {
            let reason = loop {
                match stream.next().await {
                    Some(Ok(Message::Text(text))) => reader_conn.dispatch(text.as_str()),
                    Some(Ok(Message::Binary(bytes))) => {
                        if let Ok(text) = std::str::from_utf8(&bytes) {
                            reader_conn.dispatch(text);
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => {
                        break "the browser closed the DevTools connection".to_owned();
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break format!("DevTools websocket error: {e}"),
                }
            };
            reader_conn.shut(&reason);
        });

        Ok((conn, vec![writer, reader]))
    }

    /// Marks the connection closed and fails everything waiting on it.
    fn shut(&self, reason: &str) {
        {
            let mut closed = lock(&self.closed);
            if closed.is_none() {
                *closed = Some(reason.to_owned());
            }
        }
        let pending: Vec<_> = lock(&self.pending).drain().collect();
        for (_, p) in pending {
            let _ = p.tx.send(Err(format!("{}: {reason}", p.method)));
        }
        let sessions: Vec<_> = lock(&self.sessions).values().cloned().collect();
        for s in sessions {
            s.events.send_modify(|ev| {
                if ev.gone.is_none() {
                    ev.gone = Some(reason.to_owned());
                }
            });
        }
    }

    fn session(&self, session_id: &str, frame_id: &str) -> Arc<SessionState> {
        let mut sessions = lock(&self.sessions);
        Arc::clone(sessions.entry(session_id.to_owned()).or_insert_with(|| {
            Arc::new(SessionState {
                frame_id: frame_id.to_owned(),
                events: watch::channel(PageEvents::default()).0,
            })
        }))
    }

    fn dispatch(&self, text: &str) {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return;
        };
        if let Some(id) = msg.get("id").and_then(Value::as_u64) {
            let Some(Pending { method, tx, .. }) = lock(&self.pending).remove(&id) else {
                return;
            };
            let reply = match msg.get("error") {
                Some(err) => {
                    let message = err.get("message").and_then(Value::as_str).unwrap_or("");
                    let data = err.get("data").and_then(Value::as_str).unwrap_or("");
                    let sep = if data.is_empty() { "" } else { ": " };
                    Err(format!("CDP {method} failed: {message}{sep}{data}"))
                }
                None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
            };
            let _ = tx.send(reply);
            return;
        }
        let Some(method) = msg.get("method").and_then(Value::as_str) else {
            return;
        };
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let session_id = msg.get("sessionId").and_then(Value::as_str);
        match (method, session_id) {
            ("Page.lifecycleEvent", Some(sid)) => {
                let name = params.get("name").and_then(Value::as_str).unwrap_or("");
                if name != "load" {
                    return;
                }
                let Some(state) = lock(&self.sessions).get(sid).cloned() else {
                    return;
                };
                let frame = params.get("frameId").and_then(Value::as_str).unwrap_or("");
                if frame != state.frame_id {
                    return;
                }
                let loader = params
                    .get("loaderId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                state.events.send_modify(|ev| {
                    ev.loads += 1;
                    ev.loaded.push_back(loader);
                    while ev.loaded.len() > REMEMBERED_LOADS {
                        ev.loaded.pop_front();
                    }
                });
            }
            ("Inspector.targetCrashed", Some(sid)) => {
                self.mark_gone(sid, "the page crashed");
            }
            ("Target.detachedFromTarget", _) => {
                if let Some(sid) = params.get("sessionId").and_then(Value::as_str) {
                    self.mark_gone(sid, "the page was closed (detached from target)");
                }
            }
            _ => {}
        }
    }

    fn mark_gone(&self, session_id: &str, reason: &str) {
        let Some(state) = lock(&self.sessions).get(session_id).cloned() else {
            return;
        };
        state.events.send_modify(|ev| {
            if ev.gone.is_none() {
                ev.gone = Some(reason.to_owned());
            }
        });
        // Commands sent to a gone session would never be answered.
        let failed: Vec<Pending> = {
            let mut pending = lock(&self.pending);
            let ids: Vec<u64> = pending
                .iter()
                .filter(|(_, p)| p.session.as_deref() == Some(session_id))
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| pending.remove(id)).collect()
        };
        for p in failed {
            let _ = p.tx.send(Err(format!("{}: {reason}", p.method)));
        }
    }

    /// Sends a command and returns its `result`, or an error naming the method.
    async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Reply {
        if let Some(reason) = lock(&self.closed).clone() {
            return Err(format!("{method}: {reason}"));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let (Some(sid), Some(obj)) = (session, msg.as_object_mut()) {
            obj.insert("sessionId".to_owned(), Value::String(sid.to_owned()));
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(
            id,
            Pending {
                method: method.to_owned(),
                session: session.map(str::to_owned),
                tx,
            },
        );
        if self.out.send(msg.to_string()).is_err() {
            lock(&self.pending).remove(&id);
            return Err(format!("{method}: the DevTools connection is closed"));
        }
        match tokio::time::timeout(COMMAND_TIMEOUT, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err(format!("{method}: the DevTools connection is closed")),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(format!(
                    "timed out after {}s waiting for the reply to {method}",
                    COMMAND_TIMEOUT.as_secs()
                ))
            }
        }
    }

    /// Sends a command without waiting for the reply (usable from `Drop`).
    fn fire(&self, session: Option<&str>, method: &str, params: Value) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let (Some(sid), Some(obj)) = (session, msg.as_object_mut()) {
            obj.insert("sessionId".to_owned(), Value::String(sid.to_owned()));
        }
        let _ = self.out.send(msg.to_string());
    }
}

// ---------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------

/// A running headless Chromium. Killing the process and removing its
/// temporary profile directory happen on `Drop`.
pub struct Browser {
    child: Child,
    profile_dir: PathBuf,
    conn: Arc<Conn>,
    tasks: Vec<JoinHandle<()>>,
    port: u16,
}

impl Browser {
    /// Launches Chromium at the path in `STEPWISE_TEST_CHROMIUM`.
    ///
    /// Returns `Ok(None)` when the variable is unset or empty, so the caller
    /// can skip the test.
    pub async fn launch_from_env() -> Result<Option<Browser>, String> {
        match std::env::var(CHROMIUM_ENV) {
            Ok(path) if !path.trim().is_empty() => Self::launch(path.trim()).await.map(Some),
            _ => Ok(None),
        }
    }

    /// Launches the Chromium binary at `chromium_path` headless, with a fresh
    /// temporary profile, and connects to it.
    pub async fn launch(chromium_path: &str) -> Result<Browser, String> {
        // A bare name is looked up on PATH by spawn; a path must exist.
        if chromium_path.contains(std::path::MAIN_SEPARATOR) && !Path::new(chromium_path).exists() {
            return Err(format!("Chromium binary not found at '{chromium_path}'"));
        }
        let profile_dir = std::env::temp_dir().join(format!(
            "stepwise-cdp-{}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
            NEXT_PROFILE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile_dir).map_err(|e| {
            format!(
                "could not create the Chromium profile directory {}: {e}",
                profile_dir.display()
            )
        })?;

        let mut cmd = Command::new(chromium_path);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--mute-audio",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile_dir.display()))
        .arg("about:blank")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
        #[cfg(unix)]
        cmd.process_group(0);

        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile_dir);
                return Err(format!(
                    "could not start Chromium at '{chromium_path}': {e}"
                ));
            }
        };

        // Drain stderr so Chromium never blocks on a full pipe; keep the tail
        // for error messages.
        let stderr_tail = Arc::new(Mutex::new(VecDeque::<String>::new()));
        let mut tasks = Vec::new();
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            tasks.push(tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut t = lock(&tail);
                    t.push_back(line);
                    while t.len() > STDERR_LINES {
                        t.pop_front();
                    }
                }
            }));
        }
        let stderr_text = |tail: &Arc<Mutex<VecDeque<String>>>| {
            let t = lock(tail);
            if t.is_empty() {
                String::from("(no output)")
            } else {
                t.iter().cloned().collect::<Vec<_>>().join("\n")
            }
        };

        let fail = |mut child: Child, tasks: Vec<JoinHandle<()>>, msg: String| {
            kill_process_group(&mut child);
            for t in tasks {
                t.abort();
            }
            let _ = std::fs::remove_dir_all(&profile_dir);
            Err::<Browser, String>(msg)
        };

        // Wait for DevToolsActivePort: "<port>\n<browser ws path>".
        let port_file = profile_dir.join("DevToolsActivePort");
        let deadline = tokio::time::Instant::now() + LAUNCH_TIMEOUT;
        let (port, ws_path) = loop {
            if let Ok(text) = tokio::fs::read_to_string(&port_file).await {
                let mut lines = text.lines();
                let port = lines.next().and_then(|l| l.trim().parse::<u16>().ok());
                let path = lines.next().map(str::trim).filter(|p| p.starts_with('/'));
                if let (Some(port), Some(path)) = (port, path) {
                    break (port, path.to_owned());
                }
            }
            match child.try_wait() {
                Ok(Some(status)) => {
                    // Give the stderr task a moment to collect the last lines.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let msg = format!(
                        "Chromium at '{chromium_path}' exited ({status}) before opening its \
                         DevTools port; its stderr:\n{}",
                        stderr_text(&stderr_tail)
                    );
                    return fail(child, tasks, msg);
                }
                Ok(None) => {}
                Err(e) => {
                    let msg = format!("could not check on the Chromium process: {e}");
                    return fail(child, tasks, msg);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                let msg = format!(
                    "Chromium at '{chromium_path}' wrote no DevToolsActivePort file in {} \
                     within {}s; its stderr:\n{}",
                    profile_dir.display(),
                    LAUNCH_TIMEOUT.as_secs(),
                    stderr_text(&stderr_tail)
                );
                return fail(child, tasks, msg);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        };

        let ws_url = format!("ws://127.0.0.1:{port}{ws_path}");
        let (conn, conn_tasks) = match Conn::connect(&ws_url).await {
            Ok(c) => c,
            Err(e) => return fail(child, tasks, e),
        };
        tasks.extend(conn_tasks);
        Ok(Browser {
            child,
            profile_dir,
            conn,
            tasks,
            port,
        })
    }

    /// The DevTools port Chromium listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Opens a new tab at `about:blank`, ready to be driven.
    pub async fn new_page(&self) -> Result<Page, String> {
        let created = self
            .conn
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await?;
        let target_id = created
            .get("targetId")
            .and_then(Value::as_str)
            .ok_or("Target.createTarget returned no targetId")?
            .to_owned();
        let attached = self
            .conn
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        let session_id = attached
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or("Target.attachToTarget returned no sessionId")?
            .to_owned();
        // Register before enabling events, so none is missed.
        let state = self.conn.session(&session_id, &target_id);
        let page = Page {
            conn: Arc::clone(&self.conn),
            session_id,
            target_id,
            events: state.events.subscribe(),
        };
        page.call("Page.enable", json!({})).await?;
        page.call("Page.setLifecycleEventsEnabled", json!({ "enabled": true }))
            .await?;
        page.call("Runtime.enable", json!({})).await?;
        // Let the initial about:blank finish, so its load event cannot be
        // mistaken for the load of a later navigation.
        page.wait_until_js(
            "document.readyState === 'complete'",
            LOAD_TIMEOUT,
            "the new page's about:blank to finish loading",
        )
        .await?;
        Ok(page)
    }

    /// Closes the browser gracefully (`Browser.close`), then cleans up.
    /// Dropping the `Browser` also cleans up, by killing the process.
    pub async fn close(mut self) -> Result<(), String> {
        let _ = self.conn.call(None, "Browser.close", json!({})).await;
        match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("waiting for Chromium to exit failed: {e}")),
            Err(_) => Err("Chromium did not exit within 5s of Browser.close".to_owned()),
        }
        // Drop kills whatever is left and removes the profile directory.
    }
}

/// Kills Chromium and its helper processes (they share its process group).
fn kill_process_group(child: &mut Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        // Chromium's zygote and renderers are in the group we created.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
    let _ = child.start_kill();
    // Reap it so no zombie is left and the profile dir is no longer in use.
    for _ in 0..100 {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.conn.shut("the browser was shut down");
        for t in &self.tasks {
            t.abort();
        }
        kill_process_group(&mut self.child);
        // Helpers may still be releasing files for a moment.
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.profile_dir).is_ok() || !self.profile_dir.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

// ---------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------

/// One browser tab. Closed (`Target.closeTarget`) on `Drop`.
pub struct Page {
    conn: Arc<Conn>,
    session_id: String,
    target_id: String,
    events: watch::Receiver<PageEvents>,
}

impl Page {
    /// Sends a raw CDP command to this page's session and returns `result`.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        if let Some(reason) = self.events.borrow().gone.clone() {
            return Err(format!("{method}: {reason}"));
        }
        self.conn.call(Some(&self.session_id), method, params).await
    }

    /// Navigates to `url` and waits (20 s) for the new document's load event.
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        let nav = self.call("Page.navigate", json!({ "url": url })).await?;
        if let Some(err) = nav.get("errorText").and_then(Value::as_str)
            && !err.is_empty()
        {
            return Err(format!("navigating to {url} failed: {err}"));
        }
        let Some(loader) = nav.get("loaderId").and_then(Value::as_str) else {
            // Same-document navigation (e.g. only the #fragment changed):
            // there is no new document and no load event.
            return Ok(());
        };
        let loader = loader.to_owned();
        self.wait_events(
            |ev| ev.loaded.iter().any(|l| *l == loader),
            LOAD_TIMEOUT,
            &format!("the load event of {url}"),
        )
        .await
    }

    /// Evaluates `js` in the page (awaiting a returned promise) and returns
    /// the result by value (`undefined` becomes `null`). A thrown exception
    /// becomes `Err` with its message.
    pub async fn eval(&self, js: &str) -> Result<Value, String> {
        let reply = self
            .call(
                "Runtime.evaluate",
                json!({
                    "expression": js,
                    "returnByValue": true,
                    "awaitPromise": true,
                    "userGesture": true,
                }),
            )
            .await?;
        if let Some(details) = reply.get("exceptionDetails") {
            let description = details
                .get("exception")
                .and_then(|e| e.get("description").or_else(|| e.get("value")))
                .map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
            let text = details.get("text").and_then(Value::as_str).unwrap_or("");
            let message = description.unwrap_or_else(|| text.to_owned());
            let snippet: String = js.chars().take(200).collect();
            return Err(format!("JavaScript error: {message}\n  in: {snippet}"));
        }
        Ok(reply
            .get("result")
            .and_then(|r| r.get("value"))
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// `innerText` of the first element matching `selector`.
    pub async fn text(&self, selector: &str) -> Result<String, String> {
        let js = format!(
            "(() => {{ const el = document.querySelector({sel}); \
             return el ? {{ found: true, text: el.innerText ?? el.textContent ?? '' }} \
             : {{ found: false }}; }})()",
            sel = js_str(selector)
        );
        let v = self.eval(&js).await?;
        if v.get("found").and_then(Value::as_bool) != Some(true) {
            return Err(self.no_match(selector).await);
        }
        Ok(v.get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned())
    }

    /// Whether any element matches `selector`.
    pub async fn exists(&self, selector: &str) -> Result<bool, String> {
        let js = format!("document.querySelector({}) !== null", js_str(selector));
        match self.eval(&js).await? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("checking for '{selector}' returned {other}")),
        }
    }

    /// Sets the value of the input/textarea/select matching `selector` and
    /// dispatches `input` and `change` events.
    pub async fn fill(&self, selector: &str, value: &str) -> Result<(), String> {
        let js = format!(
            "(() => {{ const el = document.querySelector({sel}); \
             if (!el) return 'missing'; \
             if (!('value' in el)) return 'novalue'; \
             el.focus(); \
             const proto = Object.getPrototypeOf(el); \
             const desc = Object.getOwnPropertyDescriptor(proto, 'value'); \
             if (desc && desc.set) desc.set.call(el, {val}); else el.value = {val}; \
             el.dispatchEvent(new Event('input', {{ bubbles: true }})); \
             el.dispatchEvent(new Event('change', {{ bubbles: true }})); \
             return 'ok'; }})()",
            sel = js_str(selector),
            val = js_str(value)
        );
        match self.eval(&js).await?.as_str() {
            Some("ok") => Ok(()),
            Some("missing") => Err(self.no_match(selector).await),
            Some("novalue") => Err(format!(
                "cannot fill '{selector}': the element has no value property"
            )),
            _ => Err(format!("filling '{selector}' gave an unexpected result")),
        }
    }

    /// Clicks the element matching `selector` with a real mouse click and
    /// waits (20 s) for the load event of the page it navigates to.
    pub async fn click_and_wait(&self, selector: &str) -> Result<(), String> {
        let before = self.events.borrow().loads;
        self.click(selector).await?;
        self.wait_for_load_after(before, &format!("clicking '{selector}'"))
            .await
    }

    /// Clicks the element matching `selector` with a real mouse click
    /// (scrolled into view, centre of its box), without waiting for anything.
    pub async fn click(&self, selector: &str) -> Result<(), String> {
        let js = format!(
            "(() => {{ const el = document.querySelector({sel}); \
             if (!el) return {{ state: 'missing' }}; \
             el.scrollIntoView({{ block: 'center', inline: 'center' }}); \
             const r = el.getBoundingClientRect(); \
             if (r.width === 0 || r.height === 0) return {{ state: 'hidden' }}; \
             const x = r.left + r.width / 2, y = r.top + r.height / 2; \
             const hit = document.elementFromPoint(x, y); \
             if (hit !== el && !el.contains(hit)) \
               return {{ state: 'covered', by: hit ? hit.outerHTML.slice(0, 120) : 'nothing' }}; \
             return {{ state: 'ok', x, y }}; }})()",
            sel = js_str(selector)
        );
        let v = self.eval(&js).await?;
        match v.get("state").and_then(Value::as_str) {
            Some("ok") => {}
            Some("missing") => return Err(self.no_match(selector).await),
            Some("hidden") => {
                return Err(format!(
                    "cannot click '{selector}': the element is not visible"
                ));
            }
            Some("covered") => {
                let by = v.get("by").and_then(Value::as_str).unwrap_or("?");
                return Err(format!(
                    "cannot click '{selector}': its centre is covered by {by}"
                ));
            }
            _ => return Err(format!("locating '{selector}' gave an unexpected result")),
        }
        let x = v.get("x").and_then(Value::as_f64).unwrap_or(0.0);
        let y = v.get("y").and_then(Value::as_f64).unwrap_or(0.0);
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mouseMoved", "x": x, "y": y }),
        )
        .await?;
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1 }),
            )
            .await?;
        }
        Ok(())
    }

    /// Focuses the element matching `selector`, presses Enter with real key
    /// events (implicitly submitting its form) and waits (20 s) for the
    /// load event of the page the submission navigates to.
    pub async fn press_enter_and_wait(&self, selector: &str) -> Result<(), String> {
        let js = format!(
            "(() => {{ const el = document.querySelector({sel}); \
             if (!el) return 'missing'; el.focus(); \
             return document.activeElement === el ? 'ok' : 'unfocusable'; }})()",
            sel = js_str(selector)
        );
        match self.eval(&js).await?.as_str() {
            Some("ok") => {}
            Some("missing") => return Err(self.no_match(selector).await),
            Some(_) | None => {
                return Err(format!(
                    "cannot press Enter in '{selector}': the element cannot take focus"
                ));
            }
        }
        let before = self.events.borrow().loads;
        let key = json!({
            "key": "Enter",
            "code": "Enter",
            "windowsVirtualKeyCode": 13,
            "nativeVirtualKeyCode": 13,
        });
        let mut down = key.clone();
        if let Some(o) = down.as_object_mut() {
            o.insert("type".to_owned(), json!("keyDown"));
            o.insert("text".to_owned(), json!("\r"));
            o.insert("unmodifiedText".to_owned(), json!("\r"));
        }
        let mut up = key;
        if let Some(o) = up.as_object_mut() {
            o.insert("type".to_owned(), json!("keyUp"));
        }
        self.call("Input.dispatchKeyEvent", down).await?;
        // The keyUp may land on the new document or be dropped while
        // navigating; neither matters.
        let _ = self.call("Input.dispatchKeyEvent", up).await;
        self.wait_for_load_after(before, &format!("pressing Enter in '{selector}'"))
            .await
    }

    /// Presses one key (`Tab`, `Enter`, `Space`…) with real key events on whatever has focus,
    /// as a keyboard user would, without waiting for anything.
    pub async fn press_key(&self, key: &str) -> Result<(), String> {
        let (code, vk, text) = match key {
            "Tab" => ("Tab", 9, ""),
            "Enter" => ("Enter", 13, "\r"),
            "Space" => ("Space", 32, " "),
            other => return Err(format!("press_key does not know the key '{other}'")),
        };
        let key_name = if key == "Space" { " " } else { key };
        let mut down = json!({
            "type": if text.is_empty() { "rawKeyDown" } else { "keyDown" },
            "key": key_name, "code": code,
            "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
        });
        if !text.is_empty()
            && let Some(o) = down.as_object_mut()
        {
            o.insert("text".to_owned(), json!(text));
            o.insert("unmodifiedText".to_owned(), json!(text));
        }
        self.call("Input.dispatchKeyEvent", down).await?;
        // The keyUp may be dropped if the key started a navigation; that does not matter.
        let _ = self
            .call(
                "Input.dispatchKeyEvent",
                json!({ "type": "keyUp", "key": key_name, "code": code,
                        "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk }),
            )
            .await;
        Ok(())
    }

    /// Presses Enter on whatever has focus and waits (20 s) for the page it leads to.
    pub async fn press_enter_on_focus_and_wait(&self) -> Result<(), String> {
        let before = self.events.borrow().loads;
        self.press_key("Enter").await?;
        self.wait_for_load_after(before, "pressing Enter").await
    }

    /// Types `text` into whatever has focus, as a keyboard would insert it.
    pub async fn type_text(&self, text: &str) -> Result<(), String> {
        self.call("Input.insertText", json!({ "text": text }))
            .await
            .map(|_| ())
    }

    /// Waits until an element matches `selector`.
    pub async fn wait_for(&self, selector: &str, timeout: Duration) -> Result<(), String> {
        let js = format!("document.querySelector({}) !== null", js_str(selector));
        self.wait_until_js(&js, timeout, &format!("an element matching '{selector}'"))
            .await
    }

    /// The current URL of the page.
    pub async fn url(&self) -> Result<String, String> {
        match self.eval("location.href").await? {
            Value::String(s) => Ok(s),
            other => Err(format!("location.href returned {other}")),
        }
    }

    /// Takes a PNG screenshot and writes it to `path` (parent directories are
    /// created). With `full_page`, the whole scrollable page is captured.
    pub async fn screenshot_png(&self, path: &Path, full_page: bool) -> Result<(), String> {
        let mut params = json!({ "format": "png", "fromSurface": true });
        if full_page {
            let metrics = self.call("Page.getLayoutMetrics", json!({})).await?;
            let size = metrics
                .get("cssContentSize")
                .or_else(|| metrics.get("contentSize"))
                .ok_or("Page.getLayoutMetrics returned no content size")?;
            let width = size.get("width").and_then(Value::as_f64).unwrap_or(0.0);
            let height = size.get("height").and_then(Value::as_f64).unwrap_or(0.0);
            if width <= 0.0 || height <= 0.0 {
                return Err(format!(
                    "cannot take a full-page screenshot of an empty page ({width}x{height})"
                ));
            }
            if let Some(o) = params.as_object_mut() {
                o.insert("captureBeyondViewport".to_owned(), json!(true));
                o.insert(
                    "clip".to_owned(),
                    json!({ "x": 0, "y": 0, "width": width.ceil(), "height": height.ceil(), "scale": 1 }),
                );
            }
        }
        let shot = self.call("Page.captureScreenshot", params).await?;
        let data = shot
            .get("data")
            .and_then(Value::as_str)
            .ok_or("Page.captureScreenshot returned no data")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("screenshot data is not valid base64: {e}"))?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| format!("could not create {}: {e}", parent.display()))?;
        }
        tokio::fs::write(path, bytes)
            .await
            .map_err(|e| format!("could not write the screenshot to {}: {e}", path.display()))
    }

    /// Sets the viewport of a phone or tablet: `width` CSS pixels wide, touch-sized, with the
    /// page laid out as a mobile browser lays it out (its viewport meta tag honoured).
    pub async fn set_mobile_viewport(&self, width: u32, height: u32) -> Result<(), String> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 2, "mobile": true }),
        )
        .await
        .map(|_| ())
    }

    /// Sets the viewport size in CSS pixels (device scale factor 1, desktop).
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<(), String> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await
        .map(|_| ())
    }

    // -- helpers ------------------------------------------------------------

    /// Waits until the page state satisfies `done`; fails early if the page
    /// or the connection goes away.
    async fn wait_events(
        &self,
        done: impl Fn(&PageEvents) -> bool,
        timeout: Duration,
        what: &str,
    ) -> Result<(), String> {
        let mut rx = self.events.clone();
        let waited =
            tokio::time::timeout(timeout, rx.wait_for(|ev| done(ev) || ev.gone.is_some())).await;
        match waited {
            Err(_) => Err(format!(
                "timed out after {:.1}s waiting for {what}",
                timeout.as_secs_f64()
            )),
            Ok(Err(_)) => Err(format!(
                "gave up waiting for {what}: the DevTools connection is closed"
            )),
            Ok(Ok(ev)) => {
                if done(&ev) {
                    Ok(())
                } else {
                    let reason = ev.gone.clone().unwrap_or_default();
                    Err(format!("gave up waiting for {what}: {reason}"))
                }
            }
        }
    }

    async fn wait_for_load_after(&self, before: u64, action: &str) -> Result<(), String> {
        self.wait_events(
            |ev| ev.loads > before,
            LOAD_TIMEOUT,
            &format!("a page load after {action}"),
        )
        .await
    }

    /// Polls `js` until it evaluates to `true`. Evaluation errors while the
    /// page is navigating are retried; the last one is reported on timeout.
    async fn wait_until_js(&self, js: &str, timeout: Duration, what: &str) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last_err = None;
        loop {
            if let Some(reason) = self.events.borrow().gone.clone() {
                return Err(format!("gave up waiting for {what}: {reason}"));
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(remaining, self.eval(js)).await {
                Ok(Ok(Value::Bool(true))) => return Ok(()),
                Ok(Ok(_)) => last_err = None,
                Ok(Err(e)) => last_err = Some(e),
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                let extra = last_err
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default();
                return Err(format!(
                    "timed out after {:.1}s waiting for {what}{extra}",
                    timeout.as_secs_f64()
                ));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn no_match(&self, selector: &str) -> String {
        let url = self.url().await.unwrap_or_else(|_| "?".to_owned());
        format!("no element matches '{selector}' on {url}")
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.conn.fire(
            None,
            "Target.closeTarget",
            json!({ "targetId": self.target_id }),
        );
        lock(&self.conn.sessions).remove(&self.session_id);
    }
}
