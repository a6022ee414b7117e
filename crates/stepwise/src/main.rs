//! The `stepwise` command: `demo` builds a synthetic council and serves it, `serve` runs the web
//! application on an existing database, `audit verify` checks the audit chain (against its keyed
//! head and a keyed checkpoint kept outside the database), `openapi` prints the API description,
//! `user add` creates an account and `user link-oidc` binds it to the identity provider.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use stepwise_domain::access::{AccessPolicy, Role};
use stepwise_domain::org::{TeamKind, WorkerRole};
use stepwise_store::{
    Actor, AuditAnchor, AuditKey, BulkLoad, DEFAULT_DATABASE_URL, NewUser, Store,
};
use stepwise_synth::{SynthConfig, generate};
use stepwise_web::{AppState, Clock, WebConfig};

/// The password of every demo account. Demo databases hold synthetic data only.
const DEMO_PASSWORD: &str = "stepwise-demo";

#[derive(Parser)]
#[command(
    name = "stepwise",
    version,
    about = "Case management and whole-system intelligence for children's services"
)]
struct Cli {
    /// The database: sqlite://FILE or postgres://USER:PASSWORD@HOST/DATABASE.
    #[arg(long, global = true, env = "STEPWISE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database: String,
    /// The file holding the audit-chain key (created if missing). Defaults to the SQLite file's
    /// name plus `.audit-key`, or `stepwise-audit.key` for PostgreSQL. STEPWISE_AUDIT_KEY (hex)
    /// takes precedence.
    #[arg(long, global = true, env = "STEPWISE_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
    /// The keyed checkpoint of the audit log's head, kept outside the database so a truncated
    /// log is caught (written by `serve` every minute and on shutdown, and by every `audit
    /// verify`). Defaults to the audit key file's name plus `.checkpoint`, else the SQLite
    /// file's name plus `.audit-checkpoint`, else `stepwise-audit.checkpoint`. Keep it, like the
    /// key, where the database's administrators cannot write.
    #[arg(long, global = true, env = "STEPWISE_AUDIT_CHECKPOINT_FILE")]
    audit_checkpoint_file: Option<PathBuf>,
    /// A JSON file changing the roles' permissions and scopes (see docs/security.md); without
    /// it the safe defaults apply.
    #[arg(long, global = true, env = "STEPWISE_ACCESS_POLICY")]
    access_policy: Option<PathBuf>,
    /// A JSON file changing the retention schedule (see docs/security.md); without it the
    /// defaults apply.
    #[arg(long, global = true, env = "STEPWISE_RETENTION_SCHEDULE")]
    retention_schedule: Option<PathBuf>,
    /// The continuum of need the front door decides by: child-concern-model (the default, four
    /// levels), six-level, families-first, or a threshold file of the authority's own (see
    /// docs/front-door.md). A file with a mistake is refused, naming the line.
    #[arg(
        long,
        global = true,
        env = "STEPWISE_THRESHOLD_MODEL",
        value_name = "PRESET|FILE"
    )]
    threshold_model: Option<String>,
    /// How soon the front door must decide a contact: hours for red, working days for amber
    /// and green, such as red=4,amber=1,green=1 (the defaults).
    #[arg(long, global = true, env = "STEPWISE_SCREENING_TARGETS", value_name = "red=H,amber=D,green=D",
          value_parser = screening_targets)]
    screening_targets: Option<stepwise_domain::screening::ScreeningTargets>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a realistic synthetic council, load it and serve it.
    Demo {
        /// The seed; the same seed gives the same council (default: a fixed seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Multiply the authority's size (for benchmarks).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The "as at" date of the history, such as 2026-12-03 or 03/12/2026 (default: today).
        #[arg(long, value_parser = date_argument)]
        today: Option<chrono::NaiveDate>,
        /// Generate and load only; do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Delete an existing SQLite demo database first.
        #[arg(long)]
        fresh: bool,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Serve the web application.
    Serve {
        /// Where to listen.
        #[arg(long, env = "STEPWISE_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fix "today", such as 2026-12-03 or 03/12/2026 (for a demo database generated as at
        /// another date).
        #[arg(long, value_parser = date_argument)]
        today: Option<chrono::NaiveDate>,
        /// Send cookies without the Secure flag (only for plain-HTTP testing off localhost).
        #[arg(long)]
        insecure_cookies: bool,
        /// Send Strict-Transport-Security (set when serving behind TLS).
        #[arg(long)]
        hsts: bool,
        /// Let people sign in through the authority's OpenID Connect provider at this issuer
        /// URL (with --oidc-client-id, --oidc-redirect-url and STEPWISE_OIDC_CLIENT_SECRET).
        #[arg(long, env = "STEPWISE_OIDC_ISSUER")]
        oidc_issuer: Option<String>,
        /// The client id registered with the provider.
        #[arg(long, env = "STEPWISE_OIDC_CLIENT_ID")]
        oidc_client_id: Option<String>,
        /// This service's callback as registered with the provider:
        /// https://HOST/sign-in/oidc/callback.
        #[arg(long, env = "STEPWISE_OIDC_REDIRECT_URL")]
        oidc_redirect_url: Option<String>,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Print the OpenAPI description of the JSON API.
    Openapi,
    /// The access policy in force: every role's permissions and their scopes.
    Access {
        /// table (default) or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// The continuum of need: check a threshold file before using it.
    Threshold {
        #[command(subcommand)]
        action: ThresholdCommand,
    },
    /// API tokens, for other systems that call the API as a user.
    Token {
        #[command(subcommand)]
        action: TokenCommand,
    },
}

#[derive(Subcommand)]
enum ThresholdCommand {
    /// Read a threshold file (or a preset: child-concern-model, six-level, families-first) and
    /// say what it holds, or which line is wrong and why (exit 1).
    Check {
        #[arg(value_name = "PRESET|FILE")]
        model: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token that lets another system call the API as USER, with USER's permissions.
    /// The token is printed once, on the last line; only its hash is kept. Audited.
    Create {
        /// The account the token acts as.
        #[arg(long)]
        user: String,
        /// What the token is for, such as "Police referral portal".
        #[arg(long)]
        name: String,
        /// How many days it lasts, 1 to 366.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List every token: its id, user, name, when it ends and whether it is in use.
    List,
    /// Revoke a token at once, by its id (from `stepwise token list`). Audited.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the chain; exit non-zero naming the first entry altered, removed or inserted,
    /// or a log cut short of its keyed head or of the checkpoint kept outside the database.
    /// Prints the head it verified (SEQ:HASH): keep that line, and give it back later with
    /// --expect-at-least.
    Verify {
        /// A head printed by an earlier verify (SEQ:HASH): the log must still hold that entry.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_at_least: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Remove a user's second factor (a lost phone); they set up a new one when they next
    /// sign in if their role requires it. Audited.
    ResetSecondFactor { username: String },
    /// Create an account (or reset it). The password is read from STEPWISE_PASSWORD or stdin.
    Add {
        username: String,
        /// One of: front_door_practitioner, front_door_manager, early_help_keyworker,
        /// locality_manager, social_worker, team_manager, independent_reviewing_officer,
        /// service_manager, performance_analyst, partner_professional, information_governance,
        /// system_administrator.
        #[arg(long)]
        role: String,
        /// The display name.
        #[arg(long)]
        name: Option<String>,
        /// The worker this account belongs to (for "my work").
        #[arg(long)]
        worker: Option<i64>,
        /// For partner professionals: their agency (school, health, police, housing,
        /// probation, voluntary).
        #[arg(long)]
        agency: Option<String>,
        /// Link the account to this subject (`sub`) at the identity provider, so the person
        /// can sign in through it (with --oidc-issuer or STEPWISE_OIDC_ISSUER).
        #[arg(long, value_name = "SUB")]
        oidc_subject: Option<String>,
        /// The identity provider's issuer URL, for --oidc-subject.
        #[arg(long, env = "STEPWISE_OIDC_ISSUER")]
        oidc_issuer: Option<String>,
    },
    /// Link an account to the person's subject (`sub`) at the identity provider: signing in
    /// through the provider opens only the account linked to the subject it vouches for. Audited.
    LinkOidc {
        username: String,
        /// The subject, as the provider gives it in the ID token's `sub` claim.
        #[arg(long, value_name = "SUB")]
        subject: String,
        /// The identity provider's issuer URL.
        #[arg(long, env = "STEPWISE_OIDC_ISSUER")]
        issuer: String,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STEPWISE_LOG")
                .unwrap_or_else(|_| "stepwise=info,sqlx=error,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let policy = match &cli.access_policy {
        None => AccessPolicy::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the access policy {}", path.display()))?;
            AccessPolicy::from_json(&text).with_context(|| format!("in {}", path.display()))?
        }
    };
    let retention = match &cli.retention_schedule {
        None => stepwise_domain::retention::RetentionSchedule::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the retention schedule {}", path.display()))?;
            stepwise_domain::retention::RetentionSchedule::from_json(&text)
                .with_context(|| format!("in {}", path.display()))?
        }
    };
    let threshold = cli
        .threshold_model
        .as_deref()
        .map(load_threshold)
        .transpose()?
        .map(std::sync::Arc::new);
    let screening = cli.screening_targets;
    match cli.command {
        Command::Threshold {
            action: ThresholdCommand::Check { model },
        } => {
            let m = load_threshold(&model)?;
            println!("{}: the file is sound", m.name());
            for l in m.levels() {
                println!(
                    "  level {} ({}): {} indicator(s); opens {}",
                    l.level,
                    l.name,
                    m.indicators_at(&l.level).count(),
                    l.opens
                        .iter()
                        .map(|o| o.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            println!(
                "  a manager authorises: {}",
                m.authorisation()
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Openapi => {
            print!("{}", stepwise_web::api::openapi_json_text()?);
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Access { format } => {
            let out = match format.as_str() {
                "json" => {
                    let roles: std::collections::BTreeMap<&str, _> = Role::ALL
                        .iter()
                        .map(|r| {
                            let perms: std::collections::BTreeMap<&str, &str> = policy
                                .permissions(*r)
                                .into_iter()
                                .map(|(p, sc)| (p.as_str(), sc.as_str()))
                                .collect();
                            (r.as_str(), perms)
                        })
                        .collect();
                    let mut json =
                        serde_json::to_string_pretty(&serde_json::json!({ "roles": roles }))?;
                    json.push('\n');
                    json
                }
                "table" => policy.describe(),
                other => bail!("--format must be table or json (got {other:?})"),
            };
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = std::io::stdout().write_all(out.as_bytes());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Audit {
            action: AuditCommand::Verify { expect_at_least },
        } => {
            let expected = expect_at_least
                .as_deref()
                .map(AuditAnchor::parse)
                .transpose()?;
            let store = open_with_checkpoint(
                &cli.database,
                cli.audit_key_file.as_deref(),
                cli.audit_checkpoint_file.as_deref(),
                false,
            )
            .await?;
            let v = store
                .audit_log()
                .verify_expecting(expected.as_ref())
                .await?;
            match v.problem {
                None => {
                    println!("audit chain intact: {} entries verified", v.entries);
                    match &v.head {
                        Some(h) => println!("audit head: {h}"),
                        None => println!("audit head: none (the log is empty)"),
                    }
                    if let Some(path) = store.audit_checkpoint_path() {
                        match &v.checkpoint {
                            Some(c) => println!(
                                "checked against the checkpoint {} (entry {}); checkpoint now at the head",
                                path.display(),
                                c.seq
                            ),
                            None => println!(
                                "note: there was no checkpoint at {}; one has been written at the head. If there was one before, it was removed: compare the head with one you noted earlier (--expect-at-least)",
                                path.display()
                            ),
                        }
                    }
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Some(p) => {
                    println!("AUDIT CHAIN BROKEN: {p}");
                    println!(
                        "({} entries checked before the break was found; if the first entry fails, check that the audit key is the one this database was created with)",
                        v.entries
                    );
                    Ok(std::process::ExitCode::from(2))
                }
            }
        }
        Command::Token {
            action: TokenCommand::Create { user, name, days },
        } => {
            let store = open(&cli.database, cli.audit_key_file.as_deref(), false).await?;
            let account = store
                .accounts()
                .user_by_username(&user)
                .await?
                .ok_or_else(|| anyhow!("there is no user {user:?}"))?;
            let token = stepwise_web::api_tokens::new_token();
            let kept = store
                .accounts()
                .create_api_token(
                    &Actor::System("cli"),
                    "-",
                    account.id,
                    &name,
                    &stepwise_web::auth::token_hash(&token),
                    days,
                )
                .await?;
            println!(
                "token {} for {} ({}), until {}; it acts with the permissions of the role {}",
                kept.id,
                account.username,
                kept.name,
                stepwise_domain::localtime::show(kept.expires_at),
                account.role.as_str()
            );
            println!(
                "send it as the header \"Authorization: Bearer TOKEN\"; it is shown only now, so keep it in the calling system's secret store"
            );
            println!("{token}");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Token {
            action: TokenCommand::List,
        } => {
            let store = open(&cli.database, cli.audit_key_file.as_deref(), false).await?;
            let now = store.now();
            let tokens = store.accounts().all_api_tokens().await?;
            if tokens.is_empty() {
                println!("no API tokens");
            }
            for (t, username) in tokens {
                println!(
                    "{}\t{}\t{}\t{}\tuntil {}\tlast used {}",
                    t.id,
                    username,
                    t.name,
                    stepwise_web::api_tokens::state_of(&t, now),
                    stepwise_domain::localtime::show(t.expires_at),
                    t.last_used_at
                        .map(stepwise_domain::localtime::show)
                        .unwrap_or_else(|| "never".to_string())
                );
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Token {
            action: TokenCommand::Revoke { id },
        } => {
            let store = open(&cli.database, cli.audit_key_file.as_deref(), false).await?;
            if store
                .accounts()
                .revoke_api_token(&Actor::System("cli"), "-", id, None)
                .await?
            {
                println!("token {id} is revoked");
            } else {
                println!("token {id} was already revoked; nothing has changed");
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::User {
            action: UserCommand::ResetSecondFactor { username },
        } => {
            let store = open(&cli.database, cli.audit_key_file.as_deref(), false).await?;
            let user = store
                .accounts()
                .user_by_username(&username)
                .await?
                .ok_or_else(|| anyhow!("there is no user {username:?}"))?;
            store
                .accounts()
                .reset_second_factor(&Actor::System("cli"), "-", user.id)
                .await?;
            println!("the second factor of {username} has been removed");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::User {
            action:
                UserCommand::LinkOidc {
                    username,
                    subject,
                    issuer,
                },
        } => {
            let store = open(&cli.database, cli.audit_key_file.as_deref(), false).await?;
            let user = store
                .accounts()
                .user_by_username(&username)
                .await?
                .ok_or_else(|| anyhow!("there is no user {username:?}"))?;
            store
                .accounts()
                .link_oidc_subject(&Actor::System("cli"), "-", user.id, &issuer, &subject)
                .await?;
            println!("{username} signs in through {issuer} as subject {subject}");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::User {
            action:
                UserCommand::Add {
                    username,
                    role,
                    name,
                    worker,
                    agency,
                    oidc_subject,
                    oidc_issuer,
                },
        } => {
            let oidc = match (oidc_subject, oidc_issuer) {
                (None, _) => None,
                (Some(sub), Some(iss)) => Some((iss, sub)),
                (Some(_), None) => bail!(
                    "--oidc-subject needs the identity provider's issuer: give --oidc-issuer or set STEPWISE_OIDC_ISSUER"
                ),
            };
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow!("unknown role {role:?}; see `stepwise user add --help` for the roles")
            })?;
            let password = match std::env::var("STEPWISE_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("Password for {username}: ");
                    std::io::stderr().flush().ok();
                    let mut p = String::new();
                    std::io::stdin().read_line(&mut p)?;
                    p.trim_end_matches(['\n', '\r']).to_string()
                }
            };
            if let Some(a) = &agency
                && !stepwise_domain::access::AGENCIES
                    .iter()
                    .any(|(k, _)| k == a)
            {
                bail!(
                    "unknown agency {a:?}; the agencies are {}",
                    stepwise_domain::access::AGENCIES.map(|x| x.0).join(", ")
                );
            }
            if let Err(problem) =
                stepwise_domain::credentials::check_new_password(&username, &password)
            {
                bail!("{problem}");
            }
            let store = open(&cli.database, cli.audit_key_file.as_deref(), true).await?;
            let team = match worker {
                Some(w) => Some(
                    store
                        .organisation()
                        .workers()
                        .await?
                        .get(&w)
                        .map(|w| w.team.0)
                        .ok_or_else(|| anyhow!("there is no worker {w}"))?,
                ),
                None => None,
            };
            let hash = stepwise_web::auth::hash_password(password).await?;
            let id = store
                .accounts()
                .upsert_user(&NewUser {
                    username: username.clone(),
                    display_name: name.unwrap_or_else(|| username.clone()),
                    role,
                    worker_id: worker,
                    team_id: team,
                    password_hash: hash,
                })
                .await?;
            store
                .governance()
                .set_user_agency(id, agency.as_deref())
                .await?;
            if let Some((issuer, subject)) = &oidc {
                store
                    .accounts()
                    .link_oidc_subject(&Actor::System("cli"), "-", id, issuer, subject)
                    .await?;
                println!("{username} signs in through {issuer} as subject {subject}");
            }
            // Made by the operator who holds the server, with the password they gave: approved
            // at once (audited as such), unlike accounts added on the users page.
            println!(
                "user {username} (id {id}) is ready, role {}, approved by the operator",
                role.label()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Serve {
            addr,
            today,
            insecure_cookies,
            hsts,
            oidc_issuer,
            oidc_client_id,
            oidc_redirect_url,
        } => {
            let oidc = match (oidc_issuer, oidc_client_id, oidc_redirect_url) {
                (None, None, None) => None,
                (Some(issuer), Some(client_id), Some(redirect_url)) => {
                    let client_secret = std::env::var("STEPWISE_OIDC_CLIENT_SECRET").map_err(|_| {
                        anyhow!("set STEPWISE_OIDC_CLIENT_SECRET to the client secret registered with the identity provider")
                    })?;
                    Some(stepwise_web::oidc::OidcConfig {
                        issuer,
                        client_id,
                        client_secret: secrecy::SecretString::from(client_secret),
                        redirect_url,
                    })
                }
                _ => bail!(
                    "to sign in through an identity provider give all of --oidc-issuer, --oidc-client-id and --oidc-redirect-url"
                ),
            };
            let store = open_with_checkpoint(
                &cli.database,
                cli.audit_key_file.as_deref(),
                cli.audit_checkpoint_file.as_deref(),
                true,
            )
            .await?;
            if store.organisation().authority().await?.is_none() {
                eprintln!(
                    "note: this database holds no authority yet; `stepwise demo --no-serve --database {}` loads a synthetic one",
                    cli.database
                );
            }
            let clock = today.map(Clock::Fixed).unwrap_or(Clock::System);
            let config = WebConfig {
                secure_cookies: !insecure_cookies,
                hsts,
                clock,
                policy,
                retention,
                oidc,
                threshold,
                screening: screening.unwrap_or_default(),
                ..WebConfig::default()
            };
            serve(store, addr, config).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Demo {
            seed,
            scale,
            today,
            no_serve,
            fresh,
            addr,
        } => {
            if !(scale > 0.0 && scale <= 100.0) {
                bail!("--scale must be more than 0 and at most 100 (got {scale})");
            }
            if fresh {
                remove_sqlite(&cli.database)?;
            }
            let store = open_with_checkpoint(
                &cli.database,
                cli.audit_key_file.as_deref(),
                cli.audit_checkpoint_file.as_deref(),
                true,
            )
            .await?;
            let today = today.unwrap_or_else(|| Clock::System.today());
            if store.journeys().is_empty().await? {
                load_demo(&store, seed, scale, today).await?;
            } else {
                eprintln!(
                    "{} already holds an authority: using it (add --fresh to generate a new one).",
                    cli.database
                );
            }
            demo_accounts(&store).await?;
            if no_serve {
                println!("Demo database ready: {}", cli.database);
                println!("Serve it with: stepwise serve --database {}", cli.database);
                return Ok(std::process::ExitCode::SUCCESS);
            }
            let config = WebConfig {
                secure_cookies: true,
                hsts: false,
                clock: Clock::System,
                policy,
                retention,
                oidc: None,
                threshold,
                screening: screening.unwrap_or_default(),
                ..WebConfig::default()
            };
            serve(store, addr, config).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

/// Opens the store with its audit key and its checkpoint outside the database.
async fn open_with_checkpoint(
    url: &str,
    key_file: Option<&std::path::Path>,
    checkpoint_file: Option<&std::path::Path>,
    create_key: bool,
) -> Result<Store> {
    let store = open(url, key_file, create_key).await?;
    let path = match (checkpoint_file, key_file) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(key)) => PathBuf::from(format!("{}.checkpoint", key.display())),
        (None, None) => match sqlite_path(url) {
            Some(p) => PathBuf::from(format!("{}.audit-checkpoint", p.display())),
            None => PathBuf::from("stepwise-audit.checkpoint"),
        },
    };
    Ok(store.with_audit_checkpoint(path))
}

/// Reads a date given on the command line as people type it.
fn date_argument(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    stepwise_domain::ids::parse_date("date", s)
        .map_err(|_| format!("{s:?} is not a date: give it as 2026-12-03 or 03/12/2026"))
}

/// Opens the store with its audit key. Only `demo` and `serve` (`create` true) may create a
/// database, and with it its key; every other command refuses a database that does not exist,
/// so a mistyped path is reported instead of answered from a new, empty database.
fn screening_targets(s: &str) -> Result<stepwise_domain::screening::ScreeningTargets, String> {
    stepwise_domain::screening::ScreeningTargets::parse(s).map_err(|e| e.to_string())
}

/// A threshold model by preset name, or read from a file; a mistake names the file and line.
fn load_threshold(model: &str) -> Result<stepwise_domain::threshold::ThresholdModel> {
    use stepwise_domain::threshold::{Preset, ThresholdModel};
    if let Some(p) = Preset::parse(model) {
        return ThresholdModel::preset(p).with_context(|| format!("the preset {model}"));
    }
    let path = std::path::Path::new(model);
    if !path.exists() {
        bail!(
            "{model:?} is neither a preset (child-concern-model, six-level, families-first) nor a file that exists"
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the threshold file {}", path.display()))?;
    ThresholdModel::parse(&text).with_context(|| format!("in {}", path.display()))
}

async fn open(url: &str, key_file: Option<&std::path::Path>, create: bool) -> Result<Store> {
    stepwise_store::check_database_url(url)?;
    if let Some(path) = sqlite_path(url)
        && !create
        && !path.exists()
    {
        bail!(
            "there is no database at {}: check --database (or STEPWISE_DATABASE_URL); `stepwise demo` creates one",
            path.display()
        );
    }
    let key = audit_key(url, key_file, create)?;
    Store::open(url, key).await.context("opening the database")
}

fn audit_key(url: &str, key_file: Option<&std::path::Path>, create: bool) -> Result<AuditKey> {
    if let Ok(hex) = std::env::var("STEPWISE_AUDIT_KEY") {
        return AuditKey::from_hex(&hex).context("STEPWISE_AUDIT_KEY");
    }
    let path = match key_file {
        Some(p) => p.to_path_buf(),
        None => match sqlite_path(url) {
            Some(p) => PathBuf::from(format!("{}.audit-key", p.display())),
            None => PathBuf::from("stepwise-audit.key"),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(s) => AuditKey::from_hex(&s)
            .with_context(|| format!("reading the audit key {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A key is made only with a new database: an existing one keeps the key it was
            // created with, or its audit chain could never be checked again.
            if sqlite_path(url).is_some_and(|p| p.exists()) || !create {
                bail!(
                    "the audit key {} is missing; without the key this database was created with, the audit chain cannot be checked or extended (set --audit-key-file or STEPWISE_AUDIT_KEY)",
                    path.display()
                );
            }
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
            write_private(&path, &hex::encode(bytes))?;
            eprintln!(
                "Created the audit key {} (keep it safe, and away from the database's administrators).",
                path.display()
            );
            AuditKey::new(bytes.to_vec()).map_err(Into::into)
        }
        Err(e) => Err(e).with_context(|| format!("reading the audit key {}", path.display())),
    }
}

fn write_private(path: &std::path::Path, contents: &str) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next()?;
    if file.is_empty() || file == ":memory:" {
        None
    } else {
        Some(PathBuf::from(file))
    }
}

fn remove_sqlite(url: &str) -> Result<()> {
    let Some(p) = sqlite_path(url) else {
        bail!("--fresh only deletes SQLite databases; drop a PostgreSQL database yourself")
    };
    for suffix in ["", "-wal", "-shm", ".audit-key", ".audit-checkpoint"] {
        let f = PathBuf::from(format!("{}{suffix}", p.display()));
        if f.exists() {
            std::fs::remove_file(&f).with_context(|| format!("deleting {}", f.display()))?;
        }
    }
    Ok(())
}

async fn load_demo(
    store: &Store,
    seed: Option<u64>,
    scale: f64,
    today: chrono::NaiveDate,
) -> Result<()> {
    let mut config = SynthConfig::new(today);
    if let Some(s) = seed {
        config.seed = s;
    }
    let seed = config.seed;
    let config = config.scaled(scale);
    eprintln!(
        "Generating a synthetic council: {} children, {} years of history as at {today}, seed {seed}…",
        config.children, config.years
    );
    let t = Instant::now();
    let a = tokio::task::spawn_blocking(move || generate(&config)).await??;
    eprintln!(
        "  generated {} people and {} journey events in {:.1} s",
        a.people.len(),
        a.events.len(),
        t.elapsed().as_secs_f64()
    );
    let protect = demo_protections(&a.events);
    let load = BulkLoad {
        authority: Some(a.authority),
        localities: a.localities,
        teams: a.teams,
        workers: a.workers,
        people: a.people,
        households: a.households,
        relationships: a.relationships,
        events: a.events,
        contacts: a.contacts,
    };
    let t = Instant::now();
    let mut last = 0;
    store
        .journeys()
        .bulk_load(&load, &Actor::System("demo"), |done, total, what| {
            let pct = done * 100 / total.max(1);
            if pct / 5 != last / 5 || done == total {
                last = pct;
                eprint!("\r  loading {what}: {pct:>3}%   ");
            }
        })
        .await?;
    eprintln!(
        "\n  loaded into the database in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let protected: Vec<_> = protect.iter().map(|p| p.0).collect();
    for (person, kind, category, note) in protect {
        store
            .governance()
            .set_restriction(&Actor::System("demo"), "-", person, kind, category, note)
            .await?;
    }
    // A few families of children in need agreed to share with the agency that works with the
    // child at their age: health visiting for the under-5s, the school for school-age
    // children; a young person of 16 or 17 gives consent for themselves. Each agreement runs
    // a year from the plan's start (at least a month from today), so they end on different days.
    let ages: std::collections::HashMap<stepwise_domain::ids::PersonId, i32> = load
        .people
        .iter()
        .filter_map(|p| p.age_on(today).map(|a| (p.id, a)))
        .collect();
    let mut shared = std::collections::BTreeSet::new();
    for e in load.events.iter().rev() {
        if shared.len() >= 12 {
            break;
        }
        let Some(&age) = ages.get(&e.child) else {
            continue;
        };
        if matches!(e.kind, stepwise_domain::events::EventKind::CinPlanStarted)
            && !protected.contains(&e.child)
            && e.effective > today - chrono::Days::new(365)
            && shared.insert(e.child)
        {
            let (agency, given_by) = match age {
                0..=4 => ("health", "Mother, with parental responsibility"),
                5..=15 => (
                    "school",
                    if shared.len() % 2 == 0 {
                        "Father, with parental responsibility"
                    } else {
                        "Mother, with parental responsibility"
                    },
                ),
                _ => ("school", "The young person, aged 16 or over"),
            };
            let ends = (e.effective + chrono::Days::new(365)).max(today + chrono::Days::new(30));
            store
                .governance()
                .record_consent(
                    &Actor::System("demo"),
                    "-",
                    e.child,
                    agency,
                    "consent",
                    given_by,
                    ends,
                    today,
                )
                .await?;
        }
    }
    Ok(())
}

/// A few records protected the way a council protects them, so the demo shows restricted and
/// sealed records: a child in need who is a staff member's relative, a child protection case
/// with a perpetrator risk, and an adopted child's sealed record.
fn demo_protections(
    events: &[stepwise_domain::events::JourneyEvent],
) -> Vec<(
    stepwise_domain::ids::PersonId,
    stepwise_domain::access::RestrictionKind,
    &'static str,
    &'static str,
)> {
    use stepwise_domain::access::RestrictionKind::{Restricted, Sealed};
    use stepwise_domain::events::EventKind;
    // The most recent of each, so the protected children are open today.
    let first =
        |f: &dyn Fn(&EventKind) -> bool| events.iter().rev().find(|e| f(&e.kind)).map(|e| e.child);
    let mut out = Vec::new();
    let cin = first(&|k| matches!(k, EventKind::CinPlanStarted));
    let cp = first(&|k| matches!(k, EventKind::CpPlanStarted { .. }));
    let adopted = first(
        &|k| matches!(k, EventKind::LookedAfterEnded { reason, .. } if reason == "E11" || reason == "E12"),
    );
    if let Some(c) = cin {
        out.push((
            c,
            Restricted,
            "staff_relative",
            "The child's aunt works in the front door team.",
        ));
    }
    if let Some(c) = cp.filter(|c| Some(*c) != cin) {
        out.push((
            c,
            Restricted,
            "perpetrator_risk",
            "Father is seeking the family's address; do not disclose it.",
        ));
    }
    if let Some(c) = adopted {
        out.push((
            c,
            Sealed,
            "sealed_adoption",
            "Adopted: the adoption record is sealed.",
        ));
    }
    out
}

/// A demo account: its role, its username, and the kind of worker (and team) it is linked to.
type DemoAccount = (Role, &'static str, Option<(WorkerRole, Option<TeamKind>)>);

/// The demo accounts: one per role, each linked to a fitting worker where the role has one.
fn demo_roles() -> Vec<DemoAccount> {
    vec![
        (
            Role::FrontDoorPractitioner,
            "front.door",
            Some((WorkerRole::FrontDoorPractitioner, Some(TeamKind::FrontDoor))),
        ),
        (
            Role::FrontDoorManager,
            "front.door.manager",
            Some((WorkerRole::TeamManager, Some(TeamKind::FrontDoor))),
        ),
        (
            Role::EarlyHelpKeyworker,
            "early.help",
            Some((WorkerRole::EarlyHelpKeyworker, Some(TeamKind::EarlyHelp))),
        ),
        (
            Role::LocalityManager,
            "locality.manager",
            Some((WorkerRole::TeamManager, Some(TeamKind::EarlyHelp))),
        ),
        (
            Role::SocialWorker,
            "social.worker",
            Some((
                WorkerRole::SocialWorker,
                Some(TeamKind::ChildInNeedProtection),
            )),
        ),
        (
            Role::TeamManager,
            "team.manager",
            Some((
                WorkerRole::TeamManager,
                Some(TeamKind::ChildInNeedProtection),
            )),
        ),
        (
            Role::IndependentReviewingOfficer,
            "iro",
            Some((WorkerRole::IndependentReviewingOfficer, None)),
        ),
        (
            Role::ServiceManager,
            "service.manager",
            Some((WorkerRole::ServiceManager, None)),
        ),
        (Role::PerformanceAnalyst, "analyst", None),
        (Role::PartnerProfessional, "partner", None),
        (Role::InformationGovernance, "info.gov", None),
        (Role::SystemAdministrator, "admin", None),
    ]
}

async fn demo_accounts(store: &Store) -> Result<()> {
    let workers = store.organisation().workers().await?;
    let teams = store.organisation().teams().await?;
    let caseloads = store.organisation().team_counts().await?;
    let hash = stepwise_web::auth::hash_password(DEMO_PASSWORD.to_string()).await?;
    let mut rows = Vec::new();
    for (role, username, link) in demo_roles() {
        let worker = link.and_then(|(wrole, tkind)| {
            let mut candidates: Vec<_> = workers
                .values()
                .filter(|w| w.role == wrole)
                .filter(|w| {
                    tkind.is_none_or(|k| teams.iter().any(|t| t.id == w.team && t.kind == k))
                })
                .collect();
            // Prefer a worker in the busiest team, then the lowest id, so the demo shows real work.
            candidates.sort_by_key(|w| {
                (
                    -(caseloads.get(&w.team.0).map(|c| c.0).unwrap_or(0)),
                    w.id.0,
                )
            });
            candidates.first().map(|w| (*w).clone())
        });
        // Accounts that are not case-holding workers get invented names of their own.
        let display = worker.as_ref().map(|w| w.name.clone()).unwrap_or_else(|| {
            match role {
                Role::PerformanceAnalyst => "Tomasz Nowicki",
                Role::PartnerProfessional => "Grace Okafor",
                Role::InformationGovernance => "Ruth Adeyemi",
                Role::SystemAdministrator => "Callum Reid",
                _ => "Demo user",
            }
            .to_string()
        });
        let id = store
            .accounts()
            .upsert_user(&NewUser {
                username: username.to_string(),
                display_name: display.clone(),
                role,
                worker_id: worker.as_ref().map(|w| w.id.0),
                team_id: worker.as_ref().map(|w| w.team.0),
                password_hash: hash.clone(),
            })
            .await?;
        if role == Role::PartnerProfessional {
            store
                .governance()
                .set_user_agency(id, Some("school"))
                .await?;
        }
        rows.push((username, role.label(), display));
    }
    println!();
    println!("Demo accounts (password for all: {DEMO_PASSWORD}):");
    for (u, r, d) in rows {
        println!("  {u:<20} {r:<32} {d}");
    }
    Ok(())
}

async fn serve(store: Store, addr: SocketAddr, config: WebConfig) -> Result<()> {
    // Listen first, so that "running" is said only once it is true.
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow!(
            "cannot listen on {addr}: {e}. If another program (perhaps another Stepwise) is using that address, choose another with --addr (or STEPWISE_ADDR)"
        )
    })?;
    println!();
    println!("Stepwise is running at http://{addr}/  (press Ctrl+C to stop)");
    // The background tasks read the same clock as the pages.
    let store = store.with_clock(config.clock.clone());
    // Assess every record for the retention schedule in the background, so the disposal
    // queue opens quickly.
    let warm = store.clone();
    let schedule = config.retention.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.governance().warm_retention(&schedule).await {
            tracing::warn!(error = %e, "could not assess records for the retention schedule");
        }
    });
    // Keep the audit checkpoint outside the database up to date: every minute, and on the way
    // out.
    let anchored = store.clone();
    checkpoint(&anchored).await;
    let ticker = anchored.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.tick().await;
        loop {
            every.tick().await;
            checkpoint(&ticker).await;
        }
    });
    let state = AppState::new(store, config).await?;
    let served = stepwise_web::serve_on(state, listener).await;
    checkpoint(&anchored).await;
    served?;
    Ok(())
}

/// Moves the audit checkpoint up to the head; a problem is logged for the operator (and the
/// checkpoint left where it was), never fatal to serving.
async fn checkpoint(store: &Store) {
    if let Err(e) = store.audit_log().checkpoint().await {
        tracing::error!(error = %e, "could not move the audit checkpoint forward");
    }
}
