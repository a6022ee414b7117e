//! The web crate's one integration-test binary: HTTP tests against a real server, the browser
//! journey in headless Chromium, and the self-test of our DevTools client.

mod browser;
mod cdp_selftest;
mod http;
mod sec_oidc;
mod support;
