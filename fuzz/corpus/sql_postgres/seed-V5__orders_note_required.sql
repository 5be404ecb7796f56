-- Backfill, then require a note on every order.
UPDATE orders SET note = '' WHERE note IS NULL;
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;
