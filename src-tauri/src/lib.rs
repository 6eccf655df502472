//! Daozhang 到账: the library behind the desktop app and the `daozhang` CLI.
//!
//! Everything here is free of Tauri except `app` (behind the `desktop`
//! feature). `domain` is pure (no I/O); `store` is the only module that
//! touches the disk.

pub mod api;
#[cfg(feature = "desktop")]
pub mod app;
pub mod batch;
pub mod bindings;
pub mod check;
pub mod complaint;
pub mod domain;
pub mod error;
pub mod escalation;
pub mod evidence;
pub mod export;
pub mod follow;
pub mod ids;
pub mod report;
pub mod sources;
pub mod store;
