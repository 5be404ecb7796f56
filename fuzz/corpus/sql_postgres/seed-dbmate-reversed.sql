-- migrate:down
DROP TABLE a;
--migrate:up
ALTER TABLE a DROP COLUMN b;
-- migrate:up
