pub mod app;
pub mod cdp;
