//! Saving a form's edit of a case without losing what arrived meanwhile.
//!
//! The intake form holds a whole case while it is open. A check, an imported
//! bill or `daozhang follow run` may add to the stored case in that time; the
//! form never saw those additions. The form saves against the revision it
//! was loaded from, and the case as it was then (remembered here) tells what
//! the form removed from what it never saw.

use crate::domain::case::Case;
use crate::records::StoredCase;

/// A case opened for editing.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub stored: StoredCase,
    /// The revision to save the edit against.
    pub revision: i64,
}

/// A saved edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: String,
    /// The case's revision now: the next edit of the same form saves against it.
    pub revision: i64,
    /// How many things the case gained while the form was open and kept.
    pub kept: usize,
}

/// How many edit bases one process keeps (a form or two per window).
const KEPT: usize = 32;

/// The cases as forms last loaded or saved them, newest last.
#[derive(Debug, Default)]
pub(super) struct Bases(Vec<(String, i64, Case)>);

impl Bases {
    pub(super) fn remember(&mut self, id: &str, revision: i64, case: &Case) {
        self.0.retain(|(i, r, _)| !(i == id && *r == revision));
        if self.0.len() == KEPT {
            self.0.remove(0);
        }
        self.0.push((id.to_owned(), revision, case.clone()));
    }

    pub(super) fn get(&self, id: &str, revision: i64) -> Option<&Case> {
        self.0
            .iter()
            .rev()
            .find(|(i, r, _)| i == id && *r == revision)
            .map(|(_, _, c)| c)
    }
}

/// The form's case `mine`, plus everything `current` gained since `base`
/// (what the form was loaded from) that the form does not already hold.
/// The form's facts win; what the form removed of `base` stays removed.
/// Returns the merged case and how many things were kept.
pub(super) fn merge(base: &Case, current: &Case, mut mine: Case) -> (Case, usize) {
    let mut kept = 0;
    for o in &current.observations {
        if !base.observations.contains(o) && !mine.observations.contains(o) {
            mine.add_observation(o.clone());
            kept += 1;
        }
    }
    kept += gained(&base.payments, &current.payments, &mut mine.payments);
    kept += gained(&base.contacts, &current.contacts, &mut mine.contacts);
    kept += gained(
        &base.attachments,
        &current.attachments,
        &mut mine.attachments,
    );
    (mine, kept)
}

fn gained<T: PartialEq + Clone>(base: &[T], current: &[T], mine: &mut Vec<T>) -> usize {
    let mut kept = 0;
    for x in current {
        if !base.contains(x) && !mine.contains(x) {
            mine.push(x.clone());
            kept += 1;
        }
    }
    kept
}
