//! Recognising which system issued a pasted ID: [`crate::domain::ids`]
//! as of today's local date (the recogniser itself takes the date, so
//! `domain` never reads the clock).

pub use crate::domain::ids::*;

/// Recognises `input` using today's local date for date plausibility.
pub fn recognise(input: &str) -> Vec<Candidate> {
    recognise_at(input, chrono::Local::now().date_naive())
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognise_uses_the_local_date_without_panicking() {
        let c = super::recognise("pi_3MtwBwLkdIwHu7ix28a3tqPa");
        assert_eq!(c[0].kind, "payment_intent");
    }
}
