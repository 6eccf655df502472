//! End-to-end and interop tests for Daozhang live in `tests/tests/`.

pub mod bills;
pub mod fakes;
pub mod webdriver;
