CREATE OR REPLACE VIEW paid_orders AS
    SELECT id, customer_id, total_cents, currency FROM orders WHERE status = 'paid';
