DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_name = 'customers' AND column_name = 'full_name') THEN
        ALTER TABLE customers RENAME COLUMN full_name TO display_name;
    END IF;
END
$$;
