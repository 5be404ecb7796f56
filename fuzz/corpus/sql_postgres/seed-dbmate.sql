-- migrate:up
CREATE TABLE t (id bigint PRIMARY KEY, a text);
ALTER TABLE t DROP COLUMN a;

-- migrate:down
ALTER TABLE t ADD COLUMN a text;
