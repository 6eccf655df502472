-- Schema 3 of the case file (PRAGMA user_version = 3).
--
-- Each case's revision: every write of case_json adds one. The intake form
-- saves against the revision it was loaded from, so what a check, an
-- import or `daozhang follow run` added while the form was open is kept
-- instead of being written over.
ALTER TABLE cases ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
