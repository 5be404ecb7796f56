-- Release 2024.06 stopped reading legacy_flag; every instance runs it.
-- compat: breaking (reason: no deployed version reads customers.legacy_flag since release 2024.06)
ALTER TABLE customers DROP COLUMN legacy_flag;
