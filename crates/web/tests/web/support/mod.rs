pub mod app;
pub mod cdp;

/// Says that a test did not run its checks and why, past the test harness's capture of output
/// (which hides `eprintln!` from passing tests), so a green run on a machine without Chromium or
/// the identity provider is not taken for the whole suite.
pub fn not_tested(test: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "\nNOT TESTED: {test}: {why}");
}
