//! The case's correspondence beyond adding a message: saying when a
//! complaint already written down was actually sent.

use rusqlite::{OptionalExtension, params};

use super::error::At;
use super::{Store, StoreError, resolve, time_text, write};
use crate::domain::diagnosis::Audience;
use crate::domain::time::Moment;

impl Store {
    /// Sets the sent date of the latest complaint to `audience` that has
    /// none yet. Returns whether there was one (`false`: nothing written for
    /// that audience is waiting to be sent, and nothing changed).
    pub fn mark_sent(
        &mut self,
        id_or_prefix: &str,
        audience: Audience,
        sent_at: Moment,
    ) -> Result<bool, StoreError> {
        let path = &self.path;
        let tx = write(&mut self.conn, path)?;
        let id = resolve(&tx, path, id_or_prefix)?;
        let seq: Option<i64> = tx
            .query_row(
                "SELECT max(seq) FROM messages
                 WHERE case_id = ?1 AND audience = ?2 AND kind = 'complaint' AND sent_at IS NULL",
                params![id, audience.code()],
                |r| r.get(0),
            )
            .optional()
            .at(path)?
            .flatten();
        let Some(seq) = seq else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE messages SET sent_at = ?2 WHERE seq = ?1",
            params![seq, time_text(&sent_at)],
        )
        .at(path)?;
        tx.commit().at(path)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::case::parse_case_toml;
    use crate::domain::text::Lang;
    use crate::records::{MessageKind, MessageRecord};
    use crate::store::FILE_NAME;

    fn t(s: &str) -> Moment {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn msg(audience: &str, kind: MessageKind, sent_at: Option<Moment>) -> MessageRecord {
        MessageRecord {
            at: t("2026-11-21T16:30:00+08:00"),
            audience: Audience::parse(audience).unwrap(),
            lang: Lang::ZhCn,
            text: format!("{audience} {kind:?}"),
            sent_at,
            kind,
        }
    }

    #[test]
    fn mark_sent_dates_the_latest_unsent_complaint_of_that_audience_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join(FILE_NAME)).unwrap();
        let case = parse_case_toml(include_str!(
            "../../../examples/douyin-dou-plus-alipay.toml"
        ))
        .unwrap();
        let id = s
            .create_case(&case, t("2026-11-21T16:30:00+08:00"))
            .unwrap();
        let earlier = t("2026-11-21T16:00:00+08:00");
        for m in [
            msg("platform_chat", MessageKind::Complaint, Some(earlier)),
            msg("platform_chat", MessageKind::Complaint, None),
            msg("platform_chat", MessageKind::Answer, None),
            msg("platform_ticket", MessageKind::Complaint, None),
        ] {
            s.record_message(&id, &m).unwrap();
        }
        let when = t("2026-11-21T17:00:00+08:00");
        assert!(s.mark_sent(&id, Audience::PlatformChat, when).unwrap());
        let got = s.get(&id).unwrap().messages;
        assert_eq!(got[0].sent_at, Some(earlier), "a sent one keeps its date");
        assert_eq!(got[1].sent_at, Some(when), "the unsent complaint is dated");
        assert_eq!(got[2].sent_at, None, "an answer is not a complaint");
        assert_eq!(got[3].sent_at, None, "another audience is untouched");
        assert!(
            !s.mark_sent(&id, Audience::PlatformChat, when).unwrap(),
            "nothing left to mark: false, and nothing changes"
        );
        assert_eq!(s.get(&id).unwrap().messages, got);
        assert!(matches!(
            s.mark_sent("dz-nosuchcase", Audience::PlatformChat, when),
            Err(StoreError::NotFound { .. } | StoreError::BadId { .. })
        ));
    }
}
