-- Expand: a nullable column and an index built without blocking writes.
ALTER TABLE customers ADD COLUMN phone varchar(32);
CREATE INDEX CONCURRENTLY IF NOT EXISTS customers_phone_idx ON customers (phone);
