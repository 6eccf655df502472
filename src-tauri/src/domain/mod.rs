//! The pure core: money, time, cases, observations, the timeline, the
//! diagnosis and its deadlines. No I/O happens here; the data tables under
//! `data/` are compiled in.

pub mod calendar;
pub mod case;
pub mod details;
pub mod diagnosis;
pub mod ids;
pub mod ladder;
pub mod money;
pub mod observation;
pub mod stage;
pub mod status;
pub mod text;
pub mod time;
pub mod timeline;
pub mod windows;
