//! Case IDs: `dz-` and ten lower-case Crockford base32 characters, short
//! enough to type and read out over the phone.
//!
//! The 50 bits are the creation second (32 bits, from a UUID v7's
//! timestamp) followed by 18 random bits of the same UUID, so IDs sort by
//! creation time. Input is read the Crockford way: any case, `i`/`l` for
//! `1`, `o` for `0`, and the `dz-` may be left out.

use uuid::Uuid;

/// What every case id starts with.
pub const PREFIX: &str = "dz-";
/// Characters after the prefix.
pub const LEN: usize = 10;
/// The fewest characters (after `dz-`) a lookup accepts.
pub const MIN_PREFIX: usize = 4;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A fresh, time-ordered id.
pub fn generate() -> String {
    from_uuid(&Uuid::now_v7())
}

/// The id for a UUID v7 (any UUID: one without a timestamp uses 0 s).
pub fn from_uuid(u: &Uuid) -> String {
    let secs = u.get_timestamp().map(|t| t.to_unix().0).unwrap_or(0);
    let b = u.as_bytes();
    // The last bytes of a v7 UUID are random; the ones after the timestamp
    // may hold the uuid crate's monotonic counter, so they are not used.
    let random = (u64::from(b[13]) << 16 | u64::from(b[14]) << 8 | u64::from(b[15])) & 0x3_FFFF;
    let bits = ((secs & 0xFFFF_FFFF) << 18) | random;
    let mut id = String::with_capacity(PREFIX.len() + LEN);
    id.push_str(PREFIX);
    for i in (0..LEN).rev() {
        id.push(char::from(ALPHABET[((bits >> (5 * i)) & 31) as usize]));
    }
    id
}

/// Whether `id` is a complete, well-formed case id.
pub fn is_valid(id: &str) -> bool {
    id.strip_prefix(PREFIX)
        .is_some_and(|body| body.len() == LEN && body.bytes().all(|c| ALPHABET.contains(&c)))
}

/// Reads what a user typed as (the start of) a case id. Returns the
/// normalised prefix including `dz-`, or why it cannot be one.
pub fn normalize_query(input: &str) -> Result<String, String> {
    let lower = input.trim().to_lowercase();
    let body = lower.strip_prefix(PREFIX).unwrap_or(&lower);
    let mut out = String::with_capacity(PREFIX.len() + body.len());
    out.push_str(PREFIX);
    for c in body.chars() {
        let c = match c {
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return Err(format!(
                "{c:?} cannot occur in a case id (ids are dz- followed by digits and the letters a–z except i, l, o, u)"
            ));
        }
        out.push(c);
    }
    let n = out.len() - PREFIX.len();
    if n < MIN_PREFIX {
        return Err(format!(
            "give at least {MIN_PREFIX} characters after dz- (got {n})"
        ));
    }
    if n > LEN {
        return Err(format!(
            "a case id has {LEN} characters after dz- (got {n})"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_valid_and_time_ordered() {
        let a = from_uuid(&Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000));
        let later = Uuid::from_u128(0x01a0_0000_0000_7000_8000_0000_0000_0000);
        let b = from_uuid(&later);
        assert!(
            is_valid(&a) && is_valid(&b),
            "generated ids are well formed: {a} {b}"
        );
        assert!(a < b, "a later UUID v7 gives a later-sorting id: {a} {b}");
        let fresh = generate();
        assert_eq!(fresh.len(), 13, "dz- and ten characters: {fresh}");
        assert!(is_valid(&fresh));
    }

    #[test]
    fn many_fresh_ids_are_distinct() {
        let ids: std::collections::HashSet<String> = (0..2000).map(|_| generate()).collect();
        // 18 random bits per second: 2000 ids drawn in the same second are
        // expected to collide about 2000²/2¹⁹ ≈ 7.6 times (standard
        // deviation ≈ 2.8), which is why the store retries on a collision.
        // 40 is more than ten deviations out: a broken generator, not luck.
        assert!(
            ids.len() >= 1960,
            "fresh ids are nearly always distinct: {} of 2000",
            ids.len()
        );
    }

    #[test]
    fn queries_are_read_the_crockford_way() {
        assert_eq!(normalize_query(" DZ-D3KQ ").unwrap(), "dz-d3kq");
        assert_eq!(
            normalize_query("d3kq").unwrap(),
            "dz-d3kq",
            "the dz- may be left out"
        );
        assert_eq!(
            normalize_query("dz-OIL9").unwrap(),
            "dz-0119",
            "o reads as 0, i and l as 1"
        );
        assert!(
            normalize_query("dz-abc").is_err(),
            "three characters are too few"
        );
        assert!(
            normalize_query("dz-abcu").is_err(),
            "u is not in the alphabet"
        );
        assert!(normalize_query("dz-0123456789a").is_err(), "too long");
    }
}
