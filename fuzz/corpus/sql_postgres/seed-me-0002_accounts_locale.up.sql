ALTER TABLE accounts ADD COLUMN locale text NOT NULL DEFAULT 'en';
ALTER TABLE accounts ALTER COLUMN display_name TYPE varchar(200);
