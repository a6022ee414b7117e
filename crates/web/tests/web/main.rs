//! The web crate's one integration-test binary: HTTP tests against a real server, the browser
//! journey in headless Chromium, and the self-test of our DevTools client.

mod browser;
mod cdp_selftest;
mod http;
mod route_matrix;
mod sec_accounts;
mod sec_oidc;
mod sec_records;
mod sec_signin;
mod support;
