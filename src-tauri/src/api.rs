//! View types the app's commands return that are not core types.

use serde::Serialize;

use crate::domain::case::{RawCase, platform_presets};
use crate::domain::text::Bilingual;
use crate::records::StoredCase;
use crate::store::{Opened, Saved};

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
    /// The revision the form saves its edit against.
    #[ts(type = "number")]
    pub revision: i64,
}

impl OpenedCase {
    pub fn new(opened: Opened) -> Self {
        OpenedCase {
            raw: opened.stored.case.to_raw(),
            stored: opened.stored,
            revision: opened.revision,
        }
    }
}

/// A saved intake form.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SavedCase {
    pub id: String,
    /// The revision the form's next save is made against.
    #[ts(type = "number")]
    pub revision: i64,
    /// How many things the case gained while the form was open (a check's
    /// answers, an imported bill) and kept beside the form's edit.
    pub kept: usize,
}

impl From<Saved> for SavedCase {
    fn from(s: Saved) -> Self {
        SavedCase {
            id: s.id,
            revision: s.revision,
            kept: s.kept,
        }
    }
}
