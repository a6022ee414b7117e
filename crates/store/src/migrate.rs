//! Forward-only migrations, embedded in the binary, with the same names for both databases.
//! Each runs once, in name order, inside a transaction, and is recorded in `schema_migrations`.

use sqlx::Row;

use crate::{Backend, Store, StoreError};

/// A migration: its name (a timestamp and a few words) and its SQL for each database.
struct Migration {
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "20261123000001_foundation",
        sqlite: include_str!("../migrations/sqlite/20261123000001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/20261123000001_foundation.sql"),
    },
    Migration {
        name: "20261201000001_access_grants",
        sqlite: include_str!("../migrations/sqlite/20261201000001_access_grants.sql"),
        postgres: include_str!("../migrations/postgres/20261201000001_access_grants.sql"),
    },
    Migration {
        name: "20261201000002_relationships_related_index",
        sqlite: include_str!("../migrations/sqlite/20261201000002_relationships_related_index.sql"),
        postgres: include_str!(
            "../migrations/postgres/20261201000002_relationships_related_index.sql"
        ),
    },
    Migration {
        name: "20261201000003_signin_throttle",
        sqlite: include_str!("../migrations/sqlite/20261201000003_signin_throttle.sql"),
        postgres: include_str!("../migrations/postgres/20261201000003_signin_throttle.sql"),
    },
    Migration {
        name: "20261201000004_record_restrictions",
        sqlite: include_str!("../migrations/sqlite/20261201000004_record_restrictions.sql"),
        postgres: include_str!("../migrations/postgres/20261201000004_record_restrictions.sql"),
    },
    Migration {
        name: "20261201000005_retention_decisions",
        sqlite: include_str!("../migrations/sqlite/20261201000005_retention_decisions.sql"),
        postgres: include_str!("../migrations/postgres/20261201000005_retention_decisions.sql"),
    },
    Migration {
        name: "20261201000006_second_factor",
        sqlite: include_str!("../migrations/sqlite/20261201000006_second_factor.sql"),
        postgres: include_str!("../migrations/postgres/20261201000006_second_factor.sql"),
    },
    Migration {
        name: "20261201000007_form_drafts",
        sqlite: include_str!("../migrations/sqlite/20261201000007_form_drafts.sql"),
        postgres: include_str!("../migrations/postgres/20261201000007_form_drafts.sql"),
    },
    Migration {
        name: "20261201000008_consents",
        sqlite: include_str!("../migrations/sqlite/20261201000008_consents.sql"),
        postgres: include_str!("../migrations/postgres/20261201000008_consents.sql"),
    },
    Migration {
        name: "20261201000009_oidc_logins",
        sqlite: include_str!("../migrations/sqlite/20261201000009_oidc_logins.sql"),
        postgres: include_str!("../migrations/postgres/20261201000009_oidc_logins.sql"),
    },
    Migration {
        name: "20261203000004_account_approval",
        sqlite: include_str!("../migrations/sqlite/20261203000004_account_approval.sql"),
        postgres: include_str!("../migrations/postgres/20261203000004_account_approval.sql"),
    },
    Migration {
        name: "20261203000010_second_factor_replacement",
        sqlite: include_str!("../migrations/sqlite/20261203000010_second_factor_replacement.sql"),
        postgres: include_str!(
            "../migrations/postgres/20261203000010_second_factor_replacement.sql"
        ),
    },
    Migration {
        name: "20261203000101_audit_head_mac",
        sqlite: include_str!("../migrations/sqlite/20261203000101_audit_head_mac.sql"),
        postgres: include_str!("../migrations/postgres/20261203000101_audit_head_mac.sql"),
    },
    Migration {
        name: "20261203000102_user_oidc_subject",
        sqlite: include_str!("../migrations/sqlite/20261203000102_user_oidc_subject.sql"),
        postgres: include_str!("../migrations/postgres/20261203000102_user_oidc_subject.sql"),
    },
    Migration {
        name: "20261203000201_event_payload_version",
        sqlite: include_str!("../migrations/sqlite/20261203000201_event_payload_version.sql"),
        postgres: include_str!("../migrations/postgres/20261203000201_event_payload_version.sql"),
    },
    Migration {
        name: "20261203000401_audit_log_action_index",
        sqlite: include_str!("../migrations/sqlite/20261203000401_audit_log_action_index.sql"),
        postgres: include_str!("../migrations/postgres/20261203000401_audit_log_action_index.sql"),
    },
    Migration {
        name: "20261203000501_child_state_reviewing_officer",
        sqlite: include_str!(
            "../migrations/sqlite/20261203000501_child_state_reviewing_officer.sql"
        ),
        postgres: include_str!(
            "../migrations/postgres/20261203000501_child_state_reviewing_officer.sql"
        ),
    },
    Migration {
        name: "20261203000601_events_supersedes_index",
        sqlite: include_str!("../migrations/sqlite/20261203000601_events_supersedes_index.sql"),
        postgres: include_str!("../migrations/postgres/20261203000601_events_supersedes_index.sql"),
    },
    Migration {
        name: "20261203000701_api_tokens",
        sqlite: include_str!("../migrations/sqlite/20261203000701_api_tokens.sql"),
        postgres: include_str!("../migrations/postgres/20261203000701_api_tokens.sql"),
    },
    Migration {
        name: "20261203000801_contacts",
        sqlite: include_str!("../migrations/sqlite/20261203000801_contacts.sql"),
        postgres: include_str!("../migrations/postgres/20261203000801_contacts.sql"),
    },
];

/// Applies every migration not yet applied.
pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let err = |name: &str| {
        let name = name.to_string();
        move |source| StoreError::Migration {
            name: name.clone(),
            source,
        }
    };
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .execute(&store.pool)
        .await
        .map_err(err("schema_migrations"))?;
    for m in MIGRATIONS {
        let mut tx = store.pool.begin().await?;
        if store.backend == Backend::Postgres {
            // Serialise concurrent start-ups so only one applies each migration.
            sqlx::query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .map_err(err(m.name))?;
        }
        let done = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE name = $1")
            .bind(m.name)
            .fetch_one(&mut *tx)
            .await
            .map_err(err(m.name))?
            .try_get::<i64, _>("n")
            .map_err(err(m.name))?;
        if done > 0 {
            tx.commit().await?;
            continue;
        }
        let sql = match store.backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        for statement in split_statements(sql) {
            sqlx::query(&statement)
                .execute(&mut *tx)
                .await
                .map_err(err(m.name))?;
        }
        sqlx::query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)")
            .bind(m.name)
            .bind(crate::sql::time(store.now()))
            .execute(&mut *tx)
            .await
            .map_err(err(m.name))?;
        tx.commit().await?;
    }
    Ok(())
}

/// Splits a migration file into statements on semicolons at line ends, dropping comments.
fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let l = line.trim();
        if l.starts_with("--") || l.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if l.ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_databases_have_the_same_migrations_with_the_same_statement_count() {
        for m in super::MIGRATIONS {
            assert_eq!(
                super::split_statements(m.sqlite).len(),
                super::split_statements(m.postgres).len(),
                "{}",
                m.name
            );
        }
    }
}
