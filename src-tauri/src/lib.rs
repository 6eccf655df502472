//! Daozhang 到账: the library behind the desktop app and the `daozhang` CLI.
//!
//! Everything here is free of Tauri except `app` (behind the `desktop`
//! feature). `domain` is pure (no I/O); `store` is the only module that
//! touches the disk.
//!
//! The arrows between the modules point one way (`scripts/arrows.py`
//! checks it): `domain` at the bottom; `records`, the data a case leaves
//! (stored cases, checks, messages, the follow-up's memory, how each
//! source went), over it; `follow`, `report`, `store` and `sources` over
//! those, none importing another; `check` runs them together; `error`
//! turns every module's errors into the boundary's; `app` on top.

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
pub mod face;
pub mod follow;
pub mod ids;
pub mod records;
pub mod report;
pub mod sources;
pub mod store;
