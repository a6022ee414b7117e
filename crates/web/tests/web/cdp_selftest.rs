//! Self-test of the CDP client in `support::cdp`, against a tiny HTTP server
//! written here with plain tokio. Needs `STEPWISE_TEST_CHROMIUM` (for example
//! `/usr/bin/chromium`); without it the browser test is skipped.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::cdp::Browser;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const PAGE_ONE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>One</title></head>
<body>
  <h1>Page one</h1>
  <form action="/two" method="get">
    <label for="q">Query</label>
    <input type="text" id="q" name="q">
    <button type="submit" id="go">Search</button>
  </form>
  <p><a id="long-link" href="/long">A long page</a></p>
</body></html>"#;

fn page_two(q: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Two</title></head>\n\
         <body><h1>Page two</h1><p id=\"echo\">You searched: {}</p>\
         <a id=\"back\" href=\"/\">Back</a></body></html>",
        html_escape(q)
    )
}

fn long_page() -> String {
    let mut body = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Long</title></head><body>",
    );
    for i in 0..150 {
        body.push_str(&format!("<p>Line {i}</p>"));
    }
    body.push_str("</body></html>");
    body
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Decodes an `application/x-www-form-urlencoded` value.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: Option<&u8>) -> Option<u8> {
    (*b? as char)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (form_decode(k) == name).then(|| form_decode(v))
    })
}

async fn serve_one(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path == "/redirect" {
        let response = "HTTP/1.1 303 See Other\r\nLocation: /two?q=redirected\r\n\
                        Content-Length: 0\r\nConnection: close\r\n\r\n";
        stream.write_all(response.as_bytes()).await?;
        return stream.shutdown().await;
    }
    let (status, body) = match path {
        "/" | "/one" => ("200 OK", PAGE_ONE.to_owned()),
        "/two" => (
            "200 OK",
            page_two(&query_param(query, "q").unwrap_or_default()),
        ),
        "/long" => ("200 OK", long_page()),
        _ => ("404 Not Found", "not found".to_owned()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

async fn start_server() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = serve_one(stream).await;
            });
        }
    });
    Ok(addr)
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let w = bytes.get(16..20)?;
    let h = bytes.get(20..24)?;
    Some((
        u32::from_be_bytes([w[0], w[1], w[2], w[3]]),
        u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
    ))
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

#[tokio::test]
async fn launch_reports_a_missing_binary() {
    let err = match Browser::launch("/nonexistent/chromium-binary").await {
        Ok(_) => String::new(),
        Err(e) => e,
    };
    assert!(
        err.contains("/nonexistent/chromium-binary"),
        "expected an error naming the path, got {err:?}"
    );
}

#[tokio::test]
async fn launch_reports_a_binary_that_is_not_chromium() {
    let err = match Browser::launch("/bin/true").await {
        Ok(_) => String::new(),
        Err(e) => e,
    };
    assert!(
        err.contains("exited"),
        "expected an error saying the process exited, got {err:?}"
    );
}

#[test]
fn form_decoding() {
    assert_eq!(form_decode("a+b%26c%3C"), "a b&c<");
    assert_eq!(
        query_param("x=1&q=hi+there", "q").as_deref(),
        Some("hi there")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drives_a_real_browser() -> Result<(), String> {
    let started = Instant::now();
    let Some(browser) = Browser::launch_from_env().await? else {
        crate::support::not_tested("drives_a_real_browser", "STEPWISE_TEST_CHROMIUM is not set");
        return Ok(());
    };
    let addr = start_server().await?;
    let base = format!("http://{addr}");
    let page = browser.new_page().await?;

    // goto + text + exists
    page.goto(&format!("{base}/")).await?;
    assert_eq!(page.text("h1").await?, "Page one");
    assert!(page.exists("#q").await?);
    assert!(!page.exists("#nope").await?);
    let err = page.text("#nope").await.err().unwrap_or_default();
    assert!(
        err.contains("#nope"),
        "error should name the selector: {err}"
    );

    // fill + click_and_wait (submit button)
    page.fill("#q", "hello world & <friends>").await?;
    assert_eq!(
        page.eval("document.querySelector('#q').value").await?,
        serde_json::json!("hello world & <friends>")
    );
    page.click_and_wait("#go").await?;
    let url = page.url().await?;
    assert!(url.starts_with(&format!("{base}/two?q=")), "url: {url}");
    assert_eq!(
        page.text("#echo").await?,
        "You searched: hello world & <friends>"
    );

    // click_and_wait on a link
    page.click_and_wait("#back").await?;
    assert_eq!(page.text("h1").await?, "Page one");

    // press_enter_and_wait: real Enter key in the input submits the form
    page.fill("#q", "enter works").await?;
    page.press_enter_and_wait("#q").await?;
    assert_eq!(page.text("#echo").await?, "You searched: enter works");

    // goto follows redirects and waits for the final document
    page.goto(&format!("{base}/redirect")).await?;
    assert_eq!(page.text("#echo").await?, "You searched: redirected");

    // eval: values, promises, exceptions
    assert_eq!(page.eval("1 + 2").await?, serde_json::json!(3));
    assert_eq!(page.eval("undefined").await?, serde_json::Value::Null);
    assert_eq!(
        page.eval("new Promise(r => setTimeout(() => r('late'), 50))")
            .await?,
        serde_json::json!("late")
    );
    let err = page
        .eval("throw new Error('boom')")
        .await
        .err()
        .unwrap_or_default();
    assert!(err.contains("boom"), "JS exception message: {err}");

    // wait_for: an element added later, and a timeout naming the selector
    page.eval(
        "setTimeout(() => { const d = document.createElement('div'); \
         d.id = 'later'; document.body.appendChild(d); }, 200); true",
    )
    .await?;
    page.wait_for("#later", Duration::from_secs(5)).await?;
    let err = page
        .wait_for("#never", Duration::from_millis(300))
        .await
        .err()
        .unwrap_or_default();
    assert!(err.contains("#never"), "timeout error: {err}");

    // goto an address nobody listens on fails with a message
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?
    };
    let err = page
        .goto(&format!("http://{closed}/"))
        .await
        .err()
        .unwrap_or_default();
    assert!(err.contains("ERR_"), "navigation error: {err}");

    // screenshots: viewport-sized, and full page
    let dir = std::env::temp_dir().join(format!("stepwise-cdp-selftest-{}", std::process::id()));
    page.set_viewport(800, 600).await?;
    page.goto(&format!("{base}/long")).await?;
    let shot = dir.join("viewport.png");
    page.screenshot_png(&shot, false).await?;
    let bytes = std::fs::read(&shot).map_err(|e| e.to_string())?;
    assert!(bytes.starts_with(PNG_SIGNATURE), "not a PNG");
    assert_eq!(png_size(&bytes), Some((800, 600)));

    let full = dir.join("full.png");
    page.screenshot_png(&full, true).await?;
    let bytes = std::fs::read(&full).map_err(|e| e.to_string())?;
    assert!(bytes.starts_with(PNG_SIGNATURE), "not a PNG");
    let (w, h) = png_size(&bytes).unwrap_or((0, 0));
    assert_eq!(w, 800);
    assert!(
        h > 600,
        "full-page screenshot should be taller than the viewport, got {h}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // a second page works alongside the first
    let other = browser.new_page().await?;
    other.goto(&format!("{base}/two?q=second")).await?;
    assert_eq!(other.text("#echo").await?, "You searched: second");
    assert!(page.url().await?.ends_with("/long"));

    drop(other);
    drop(page);
    browser.close().await?;
    println!(
        "browser self-test took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
