//! The web crate's one integration-test binary: HTTP tests against a real server, the browser
//! journey in headless Chromium, and the self-test of our DevTools client.

// An integration-test crate: clippy's allow-*-in-tests covers #[test] functions only, not the
// support modules and helpers here, where a failed unwrap is a failed test all the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod casework;
mod cdp_selftest;
mod dead_ends;
mod http;
mod route_matrix;
mod sec_accounts;
mod sec_oidc;
mod sec_records;
mod sec_signin;
mod support;
