ALTER TABLE `ü` DROP COLUMN `é`; /* ü */ ALTER TABLE `𝔵` ADD COLUMN `ß` INT NOT NULL;
/* unterminated ü