CREATE TABLE t (x int, y int);
-- compat: breaking
ALTER TABLE t
  DROP COLUMN x,
  ALTER COLUMN y SET NOT NULL;
