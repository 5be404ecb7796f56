-- A new table may get every constraint at once: no previous version writes it.
CREATE TABLE order_events (
    id         bigserial PRIMARY KEY,
    order_id   bigint NOT NULL,
    kind       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE order_events
    ADD CONSTRAINT order_events_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
CREATE UNIQUE INDEX order_events_order_kind_key ON order_events (order_id, kind);
