//! `daozhang follow …`: re-check the stored cases that are due, show a
//! case's plan, turn re-checks on and off.

use chrono::Local;

use daozhang::check::rounds::{self, Clock};
use daozhang::check::{Ask, Configured, Offline};
use daozhang::domain::text::Lang;
use daozhang::domain::time::Moment;
use daozhang::error::BoundaryError;
use daozhang::follow;
use daozhang::store::Store;

use crate::cli::FollowCommand;
use crate::input::parse_now;
use crate::{Result, output};

/// "Now" for a round: the clock, or the `--now` the user gave.
struct FixedClock(Moment);

impl Clock for FixedClock {
    fn now(&self) -> Moment {
        self.0
    }
}

pub(crate) fn follow(c: FollowCommand, lang: Lang, mut store: Store) -> Result<()> {
    match c {
        FollowCommand::Run { now, offline, json } => {
            let now = match now {
                Some(n) => parse_now(Some(&n), None)?,
                None => Local::now().fixed_offset(),
            };
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let live = Configured { cancel: &cancel };
            let ask: &dyn Ask = if offline { &Offline } else { &live };
            let shared = std::sync::Mutex::new(store);
            let round = rounds::round(&shared, &FixedClock(now), ask, follow::Rules::builtin())?;
            if json {
                return output::json(&round);
            }
            output::follow::round(&round, lang);
            Ok(())
        }
        FollowCommand::Show { id, now, json } => {
            let stored = store.get(&id).map_err(BoundaryError::from)?;
            let now = parse_now(now.as_deref(), Some(&stored.case))?;
            let f = store.follow(&stored.id).map_err(BoundaryError::from)?;
            let view = follow::view(&stored.case, &f, now);
            if json {
                output::json(&view)?;
            } else {
                output::follow::view(&view, lang);
            }
            Ok(())
        }
        FollowCommand::On { id } => set_follow(&mut store, &id, true, lang),
        FollowCommand::Off { id } => set_follow(&mut store, &id, false, lang),
    }
}

fn set_follow(store: &mut Store, id: &str, on: bool, lang: Lang) -> Result<()> {
    let stored = store.get(id).map_err(BoundaryError::from)?;
    store
        .update_follow(&stored.id, |f| f.enabled = on)
        .map_err(BoundaryError::from)?;
    output::follow::turned(&stored.id, on, lang);
    Ok(())
}
