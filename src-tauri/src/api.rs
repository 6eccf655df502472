//! View types the app's commands return that are not core types.

use serde::Serialize;

use crate::domain::case::{RawCase, platform_presets};
use crate::domain::text::Bilingual;
use crate::records::StoredCase;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AppInfo {
    pub version: String,
    pub data_file: String,
    /// The OS locale, for the default language.
    pub locale: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PresetView {
    pub id: String,
    pub name: Bilingual,
    pub product: Bilingual,
}

/// The platform presets the intake offers.
pub fn presets() -> Vec<PresetView> {
    platform_presets()
        .iter()
        .map(|p| PresetView {
            id: p.id.clone(),
            name: Bilingual::new(p.name_zh.clone(), p.name_en.clone()),
            product: Bilingual::new(p.product_zh.clone(), p.product_en.clone()),
        })
        .collect()
}

/// A stored case with its form fields, to reopen it exactly.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct OpenedCase {
    pub raw: RawCase,
    pub stored: StoredCase,
}

impl OpenedCase {
    pub fn new(stored: StoredCase) -> Self {
        OpenedCase {
            raw: stored.case.to_raw(),
            stored,
        }
    }
}
