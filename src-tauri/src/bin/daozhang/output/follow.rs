//! Following cases: what a round found, a case's plan, turning re-checks
//! on and off.

use anstream::println;

use daozhang::check::rounds::Round;
use daozhang::domain::diagnosis::short_time;
use daozhang::domain::text::Lang;
use daozhang::domain::time::Moment;
use daozhang::follow::FollowView;

use super::{bold, dim};

pub(crate) fn round(round: &Round, lang: Lang) {
    if round.looked.is_empty() {
        println!("{}", say!(lang, "follow.none_due"));
    }
    for l in &round.looked {
        println!(
            "{}  {} {} · {}",
            bold(&l.id),
            l.platform.get(lang),
            l.amount.display(),
            l.order_id
        );
        if let Some(p) = &l.problem {
            println!("  {}", p.get(lang));
        }
        if l.changes.is_empty() {
            println!("  {}", dim(say!(lang, "follow.no_change")));
        }
        for ch in &l.changes {
            println!("  • {}", ch.text.get(lang));
        }
    }
    if round.deferred > 0 {
        println!("{}", say!(lang, "follow.deferred", n = round.deferred));
    }
    if let Some(next) = round.next_due {
        println!(
            "{}",
            dim(&say!(lang, "follow.next_due", time = short_time(next)))
        );
    }
}

pub(crate) fn view(v: &FollowView, lang: Lang) {
    let when = |m: Option<Moment>| m.map(short_time).unwrap_or_else(|| "—".into());
    if v.settled {
        println!("{}", say!(lang, "follow.settled"));
    } else if !v.enabled {
        println!("{}", say!(lang, "follow.off"));
    } else if v.next_check.is_none() {
        println!("{}", say!(lang, "follow.ended", time = short_time(v.ends)));
    } else {
        println!(
            "{}",
            say!(lang, "follow.next_check", time = when(v.next_check))
        );
        let upcoming: Vec<String> = v.upcoming.iter().map(|m| short_time(*m)).collect();
        if !upcoming.is_empty() {
            println!("{}", say!(lang, "follow.then", times = upcoming.join(", ")));
        }
        println!("{}", say!(lang, "follow.ends", time = short_time(v.ends)));
    }
    println!(
        "{}",
        say!(lang, "follow.last_looked", time = when(v.last_run))
    );
    for b in &v.backing_off {
        println!("  {} {}", b.source, b.text.get(lang));
    }
    if !v.unread.is_empty() {
        println!("{}", bold(say!(lang, "follow.unseen")));
        for c in &v.unread {
            println!("  • {} {}", short_time(c.at), c.text.get(lang));
        }
    }
}

/// After `follow on` / `follow off`.
pub(crate) fn turned(id: &str, on: bool, lang: Lang) {
    let text = if on {
        say!(lang, "follow.turned_on", id = id)
    } else {
        say!(lang, "follow.turned_off", id = id)
    };
    println!("{text}");
}
