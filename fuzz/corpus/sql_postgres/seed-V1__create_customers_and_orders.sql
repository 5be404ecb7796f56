-- Initial schema of the shop service.
CREATE TABLE customers (
    id          bigserial PRIMARY KEY,
    email       varchar(255) NOT NULL,
    full_name   varchar(100),
    legacy_flag boolean,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX customers_email_key ON customers (email);

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');

CREATE TABLE orders (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status      order_status NOT NULL DEFAULT 'pending',
    total_cents integer NOT NULL,
    note        text
);

CREATE INDEX orders_customer_id_idx ON orders (customer_id);
