-- MySQL spells a rename as CHANGE: old name, new name, full definition.
ALTER TABLE accounts CHANGE COLUMN display_name full_name varchar(200) DEFAULT NULL;
