-- SQLite before 3.35 cannot drop a column: rebuild the table without it.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE _accounts_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    locale TEXT NOT NULL DEFAULT 'en',
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
INSERT INTO _accounts_new (id, email, locale, created_at)
    SELECT id, email, locale, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE _accounts_new RENAME TO accounts;
COMMIT;
PRAGMA foreign_keys=ON;
