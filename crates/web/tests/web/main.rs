//! The web crate's one integration-test binary: HTTP tests against a real server, the browser
//! journey in headless Chromium, and the self-test of our DevTools client.

// An integration-test crate: clippy's allow-*-in-tests covers #[test] functions only, not the
// support modules and helpers here, where a failed unwrap is a failed test all the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests read the wall clock to build their inputs (an expiry from now, a sign-in code for
// now): the one-clock rule (clippy.toml) binds Stepwise's own code, not the tests that drive it.
#![allow(clippy::disallowed_methods)]

mod accessibility;
mod api_tokens;
mod browser;
mod casework;
mod cdp_selftest;
mod clock;
mod contacts;
mod dead_ends;
mod front_door_browser;
mod home_pages;
mod http;
mod lists;
mod matching;
mod request_log;
mod route_matrix;
mod sec_accounts;
mod sec_oidc;
mod sec_records;
mod sec_signin;
mod support;
mod threshold;
