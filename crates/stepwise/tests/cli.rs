//! The `stepwise` command end to end: generate a small demo into a new SQLite file without
//! serving, check the audit chain, tamper with the database behind Stepwise's back and see
//! `audit verify` fail naming the entry, then serve the same file and sign in.

// An integration-test crate: clippy's allow-*-in-tests covers #[test] functions only, not the
// support modules and helpers here, where a failed unwrap is a failed test all the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn stepwise() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stepwise"));
    c.env_remove("STEPWISE_DATABASE_URL")
        .env_remove("STEPWISE_AUDIT_KEY")
        .env_remove("STEPWISE_AUDIT_KEY_FILE")
        .env_remove("STEPWISE_AUDIT_CHECKPOINT_FILE")
        .env_remove("STEPWISE_OIDC_ISSUER");
    c
}

/// Runs one statement on the database behind Stepwise's back, as someone with access to the
/// database (but not the audit key) could.
async fn sql(url: &str, statement: &str) -> u64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let n = sqlx::query(statement)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    pool.close().await;
    n
}

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("stepwise_cli_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("demo.db");
    let url = format!("sqlite://{}", path.display());
    (path, url)
}

/// Generates a small demo council (1% of the default) into `url`, without serving it.
fn small_demo(url: &str) -> std::process::Output {
    stepwise()
        .args([
            "demo",
            "--no-serve",
            "--scale",
            "0.01",
            "--today",
            "2026-11-23",
            "--database",
            url,
        ])
        .output()
        .unwrap()
}

#[tokio::test]
async fn demo_then_verify_then_tamper_then_serve() {
    let (path, url) = temp_db("demo");
    let out = small_demo(&url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("social.worker") && stdout.contains("stepwise-demo"),
        "the demo accounts are printed: {stdout}"
    );
    assert!(stdout.contains(&format!("stepwise serve --database {url}")));

    let ok = stepwise()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit chain intact"));

    // A second demo run on the same file keeps it rather than loading twice.
    let again = stepwise()
        .args(["demo", "--no-serve", "--database", &url])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds an authority"));

    // Tamper: alter entry 3 directly in the database.
    sql(
        &url,
        "UPDATE audit_log SET actor = 'someone else' WHERE seq = 3",
    )
    .await;
    let bad = stepwise()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("audit entry 3 was altered"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );

    // A missing key is refused with a clear message, not silently replaced.
    std::fs::rename(
        format!("{}.audit-key", path.display()),
        format!("{}.moved", path.display()),
    )
    .unwrap();
    let nokey = stepwise()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert!(!nokey.status.success());
    assert!(String::from_utf8_lossy(&nokey.stderr).contains("audit key"));
    std::fs::rename(
        format!("{}.moved", path.display()),
        format!("{}.audit-key", path.display()),
    )
    .unwrap();

    // Serve the same file and sign in as a demo account.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = stepwise()
        .args([
            "serve",
            "--database",
            &url,
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--today",
            "2026-11-23",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut page = None;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/sign-in")).send().await {
            page = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = page.expect("the server answers");
    let pre = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("stepwise_signin=")
                .map(|r| r.split(';').next().unwrap_or("").to_string())
        })
        .unwrap();
    let html = page.text().await.unwrap();
    let i = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[i..].split('"').next().unwrap().to_string();
    let res = client
        .post(format!("{base}/sign-in"))
        .header("cookie", format!("stepwise_signin={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "social.worker"),
            ("password", "stepwise-demo"),
        ])
        .send()
        .await
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(
        res.status(),
        reqwest::StatusCode::SEE_OTHER,
        "the demo account signs in"
    );
}

#[test]
fn bad_arguments_get_clear_errors() {
    // A wrong URL is refused before anything is created (no audit key file appears).
    let (db, _) = temp_db("badurl");
    let dir = db.parent().unwrap().to_path_buf();
    let out = stepwise()
        .current_dir(&dir)
        .args(["serve", "--database", "mysql://nowhere"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a database URL"));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing was written"
    );
    let (_, url) = temp_db("badscale");
    let out = stepwise()
        .args(["demo", "--no-serve", "--scale", "0", "--database", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--scale"));
    // Passwords that attackers try first are refused, with the reason, and no account is made.
    let (_, url) = temp_db("badpassword");
    let out = stepwise()
        .args([
            "user",
            "add",
            "jo.bloggs",
            "--role",
            "social_worker",
            "--database",
            &url,
        ])
        .env("STEPWISE_PASSWORD", "Password1234")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("attackers try"));
    let out = stepwise()
        .args([
            "user",
            "add",
            "jo.bloggs",
            "--role",
            "social_worker",
            "--database",
            &url,
        ])
        .env("STEPWISE_PASSWORD", "kettle orbit lantern")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reset = stepwise()
        .args([
            "user",
            "reset-second-factor",
            "jo.bloggs",
            "--database",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let nobody = stepwise()
        .args(["user", "reset-second-factor", "no.one", "--database", &url])
        .output()
        .unwrap();
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("there is no user"));
    // A policy file that breaks the fixed rules is refused at start-up, naming the file.
    let policy = std::env::temp_dir().join(format!("stepwise_policy_{}.json", std::process::id()));
    std::fs::write(
        &policy,
        r#"{"roles": {"system_administrator": {"view_child_record": "all"}}}"#,
    )
    .unwrap();
    let out = stepwise()
        .args(["access", "--access-policy", policy.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("temporary, audited grant") && err.contains("stepwise_policy_"),
        "{err}"
    );
    let openapi = stepwise().arg("openapi").output().unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&openapi.stdout), committed);
}

/// Issue 6 item 3: cutting the audit log short is caught by `audit verify`, whether the head is
/// rewritten, the whole log emptied and the head reset, or the head row deleted; the head it
/// verified is printed, and `--expect-at-least` checks the log against a head noted earlier.
/// Item 9: accounts are linked to the identity provider's subject from the command line.
#[tokio::test]
async fn audit_verify_catches_a_truncated_log_and_prints_its_head() {
    let (path, url) = temp_db("truncate");
    let demo = small_demo(&url);
    assert!(demo.status.success());
    let verify = |extra: &[&str]| {
        let mut c = stepwise();
        c.args(["audit", "verify", "--database", &url]).args(extra);
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, out) = verify(&[]);
    assert_eq!(code, Some(0), "{out}");
    let head = out
        .lines()
        .find_map(|l| l.strip_prefix("audit head: "))
        .unwrap()
        .to_string();
    let (seq, hash) = head.split_once(':').unwrap();
    let seq: i64 = seq.parse().unwrap();
    assert_eq!(hash.len(), 64, "{out}");
    let checkpoint = std::path::PathBuf::from(format!("{}.audit-checkpoint", path.display()));
    assert!(
        checkpoint.exists(),
        "the first verify writes the checkpoint"
    );
    let (code, out) = verify(&["--expect-at-least", &head]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("checked against the checkpoint"), "{out}");

    // Linking accounts to the provider's subject; one subject opens one account.
    let link = |user: &str| {
        stepwise()
            .args([
                "user",
                "link-oidc",
                user,
                "--subject",
                "sub-123",
                "--issuer",
                "https://idp.council.example",
                "--database",
                &url,
            ])
            .output()
            .unwrap()
    };
    assert!(link("social.worker").status.success());
    let twice = link("team.manager");
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already linked"));
    let (code, out) = verify(&[]);
    assert_eq!(code, Some(0), "{out}");
    let now: i64 = out
        .lines()
        .find_map(|l| l.strip_prefix("audit head: "))
        .and_then(|h| h.split(':').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(now, seq + 1, "the link is audited");

    // The tail cut and the head rewritten to the new last entry.
    let keep = now - 2;
    sql(&url, &format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
    sql(
        &url,
        &format!("UPDATE audit_head SET seq = {keep}, hash = (SELECT hash FROM audit_log WHERE seq = {keep}) WHERE id = 1"),
    )
    .await;
    let (code, out) = verify(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("rewritten outside Stepwise"), "{out}");

    // The whole log emptied and the head reset; Stepwise keys the empty log's head again when
    // it opens the database, and the checkpoint outside it catches the rest.
    sql(&url, "DELETE FROM audit_log").await;
    sql(
        &url,
        "UPDATE audit_head SET seq = 0, hash = 'genesis', mac = NULL WHERE id = 1",
    )
    .await;
    let (code, out) = verify(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains(&format!(
            "the checkpoint kept outside the database says the log reached entry {now}"
        )),
        "{out}"
    );
    // Without the checkpoint file, the head noted earlier still catches it.
    std::fs::remove_file(&checkpoint).unwrap();
    let (code, out) = verify(&["--expect-at-least", &head]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("the head you expected"), "{out}");

    // The head row deleted.
    sql(&url, "DELETE FROM audit_head").await;
    let (code, out) = verify(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("audit head") && out.contains("deleted"),
        "{out}"
    );
}

/// Commands other than `demo` and `serve` never create a database or a key: a mistyped path
/// is refused, naming it, with a non-zero exit and nothing left behind.
#[test]
fn a_mistyped_database_is_refused_and_nothing_is_created() {
    let (path, url) = temp_db("typo");
    let out = stepwise()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("there is no database at {}", path.display())),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "nothing is created: {left:?}");
}

/// `serve` listens before it says it is running; an address in use is named, with the option
/// that changes it, and nothing claims to be running.
#[test]
fn serve_says_it_is_running_only_once_it_listens() {
    let (_, url) = temp_db("busy");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let out = stepwise()
        .args(["serve", "--database", &url, "--addr", &addr])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stdout.contains("running"), "{stdout}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")) && stderr.contains("--addr"),
        "{stderr}"
    );
    // Dates are read as people type them, and a wrong one says which forms are accepted.
    let out = stepwise()
        .args(["serve", "--database", &url, "--today", "31/02/2026"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("give it as 2026-12-03 or 03/12/2026"),
        "{stderr}"
    );
}

/// `stepwise token create` prints the token once, on the last line, and keeps only its hash;
/// `token list` shows it without the token; `token revoke` ends it, once; bad arguments are
/// refused with the reason and make nothing.
#[tokio::test]
async fn tokens_are_made_listed_and_revoked_on_the_command_line() {
    let (_path, url) = temp_db("tokens");
    let out = small_demo(&url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = |args: &[&str]| {
        let mut all = vec!["token"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--database", &url]);
        let out = stepwise().args(&all).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, stdout, stderr) = run(&[
        "create",
        "--user",
        "front.door",
        "--name",
        "Police referral portal",
        "--days",
        "30",
    ]);
    assert!(ok, "{stderr}");
    let token = stdout.lines().last().unwrap().to_string();
    assert!(
        token.starts_with("stepwise_") && token.len() == 9 + 64,
        "{stdout}"
    );
    assert!(stdout.contains("front.door") && stdout.contains("Police referral portal"));
    // Only the hash is in the database.
    let hash = stepwise_web::auth::token_hash(&token);
    assert_eq!(
        sql(
            &url,
            &format!("UPDATE api_tokens SET name = name WHERE token_hash = '{hash}'")
        )
        .await,
        1
    );
    assert_eq!(
        sql(
            &url,
            &format!("UPDATE api_tokens SET name = name WHERE token_hash = '{token}'")
        )
        .await,
        0
    );

    let (ok, list, _) = run(&["list"]);
    assert!(ok);
    assert!(
        list.contains("front.door") && list.contains("active"),
        "{list}"
    );
    assert!(!list.contains(&token[9..]), "the list never shows a token");
    let id = list.split('\t').next().unwrap().trim().to_string();

    for (args, says) in [
        (
            vec!["create", "--user", "nobody", "--name", "x"],
            "there is no user",
        ),
        (
            vec!["create", "--user", "front.door", "--name", " "],
            "needs a name",
        ),
        (
            vec![
                "create",
                "--user",
                "front.door",
                "--name",
                "x",
                "--days",
                "400",
            ],
            "1 to 366 days",
        ),
        (vec!["revoke", "999999"], "not found"),
    ] {
        let (ok, _, stderr) = run(&args);
        assert!(!ok && stderr.contains(says), "{args:?}: {stderr}");
    }
    let (_, list_after, _) = run(&["list"]);
    assert_eq!(list_after, list, "a refused command makes nothing");

    let (ok, stdout, _) = run(&["revoke", &id]);
    assert!(ok && stdout.contains("is revoked"), "{stdout}");
    let (ok, stdout, _) = run(&["revoke", &id]);
    assert!(ok && stdout.contains("already revoked"), "{stdout}");
    let (_, list, _) = run(&["list"]);
    assert!(list.contains("revoked"), "{list}");
}

/// `stepwise threshold check` reads a preset or a council's file and says what it holds; a file
/// with a mistake is refused naming the line, and so is `serve` given it (before it listens).
#[test]
fn threshold_files_are_checked_and_a_bad_one_is_refused_naming_the_line() {
    let ok = stepwise()
        .args(["threshold", "check", "families-first"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(
        stdout.contains("the file is sound") && stdout.contains("level 3"),
        "{stdout}"
    );

    let (path, url) = temp_db("threshold");
    let bad = path.with_file_name("thresholds.tsv");
    std::fs::write(
        &bad,
        "# ours\nmodel\tOur model\nlevel\t1\tUniversal\tMet by universal services\nopens\t1\tno_further_action\nopens\t1\tsend_a_letter\n",
    )
    .unwrap();
    let out = stepwise()
        .args(["threshold", "check", bad.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("line 5") && stderr.contains("send_a_letter"),
        "{stderr}"
    );

    let out = stepwise()
        .args([
            "serve",
            "--database",
            &url,
            "--addr",
            "127.0.0.1:0",
            "--threshold-model",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("line 5"), "{stderr}");
    assert!(!path.exists(), "nothing is created");

    let out = stepwise()
        .args([
            "serve",
            "--database",
            &url,
            "--addr",
            "127.0.0.1:0",
            "--screening-targets",
            "red=30",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("1 to 24 hours"), "{stderr}");
    assert!(!path.exists(), "nothing is created");

    let out = stepwise()
        .args(["threshold", "check", "seven-level"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("neither a preset"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
