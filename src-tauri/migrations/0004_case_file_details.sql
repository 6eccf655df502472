-- Schema 4 of the case file (PRAGMA user_version = 4).
--
-- "My details": the user's name, phone, e-mail, address and platform
-- accounts, told once and filled into every complaint. One row; the JSON is
-- `domain::details::MyDetails`.
CREATE TABLE my_details (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    details_json TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
