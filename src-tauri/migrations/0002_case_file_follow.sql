-- Schema 2 of the case file (PRAGMA user_version = 2).
--
-- The case file keeps what came back next to what was sent: a message is a
-- complaint the user sent, an answer they pasted back, or the note with
-- which they closed a rung of the escalation ladder.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'complaint'
    CHECK (kind IN ('complaint', 'answer', 'closed'));

-- Following a case: whether re-checks are on, when the last automatic
-- check ran, and what the follow-up remembers between checks (which
-- sources keep failing, which deadlines were already announced) as JSON
-- (daozhang::follow::FollowState).
CREATE TABLE follow (
    case_id    TEXT PRIMARY KEY NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    state_json TEXT NOT NULL CHECK (json_valid(state_json))
) STRICT;
