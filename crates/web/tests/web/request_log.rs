//! Request spans and ids (issue 7, item 7): every request gets an id made by Stepwise
//! (tower-http's request-id layers), the audit rows it writes carry that id, and its log line
//! names the route template, never the path with the child's identifier in it, nor the child.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;
use stepwise_domain::ids::{PersonId, local_person_id};

use crate::support::app::{PASSWORD, spawn_app};

/// Log output gathered in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The log output of this whole test binary, gathered by a global subscriber set once. A
/// subscriber set for one thread (`set_default`) is not enough here: while other tests run in
/// parallel, tracing can cache a callsite as uninteresting before it is set, and the lines
/// this test looks for go nowhere.
fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test sets a global subscriber");
        logs
    })
}

/// Issue 7, item 7: a request for a child's record logs one line with its request id (the one
/// on the response and on the audit row), the method, the route template `/people/{id}`, the
/// status and the latency, and nothing that identifies the child: not the path with the id,
/// the local identifier, the name or the query string. An x-request-id sent by the client is
/// not used (it would let anyone write into the audit log and the logs).
#[tokio::test]
async fn a_record_request_logs_its_id_and_route_but_not_the_child() {
    let logs = captured_logs();
    let app = spawn_app().await;
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let before = logs.text().len();
    let res = app
        .client
        .get(app.url(&format!("/people/{}?tab=chronology", app.child)))
        .header("cookie", &sw)
        .header("x-request-id", "Amira Hussain")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 16, "an id Stepwise made, not the client's: {id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    res.text().await.unwrap();
    let all = logs.text();
    let logged = &all[before..];
    let line = logged
        .lines()
        .find(|l| l.contains(&id) && l.contains("request answered"))
        .unwrap_or_else(|| panic!("no log line for request {id} in:\n{logged}"));
    for field in [
        format!("request_id={id}"),
        "method=GET".to_string(),
        "route=/people/{id}".to_string(),
        "status=200".to_string(),
        "latency_ms=".to_string(),
    ] {
        assert!(line.contains(&field), "{field} missing from: {line}");
    }
    // Nothing that identifies the child, anywhere in what the request logged.
    for secret in [
        format!("/people/{}", app.child),
        local_person_id(PersonId(app.child)),
        app.child_name.clone(),
        "tab=chronology".to_string(),
        "Amira Hussain".to_string(),
    ] {
        assert!(
            !logged.contains(&secret),
            "{secret:?} was logged:\n{logged}"
        );
    }
    // The record view's audit row carries the same id.
    let last = app
        .store
        .audit_log()
        .entries(Some(&format!("person:{}", app.child)), 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(last.action, "record.view");
    assert_eq!(last.request_id, id);
}
