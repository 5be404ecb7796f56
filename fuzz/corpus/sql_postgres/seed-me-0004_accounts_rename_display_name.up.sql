-- The same rename as mysql/0003, numbered 0004 here.
-- compat: breaking (reason: release 7 reads full_name; releases before 7 are no longer deployed)
ALTER TABLE accounts RENAME COLUMN display_name TO full_name;
