-- Expand: NOT NULL is fine with a database default; widening a column is fine too.
ALTER TABLE orders
    ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR',
    ALTER COLUMN total_cents TYPE bigint;
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
