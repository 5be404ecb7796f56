CREATE TABLE "tä€ble" ("ü" int, "𝔵" text NOT NULL DEFAULT 'é');
-- compat: breaking (reason: é — 𝔵)
ALTER TABLE "tä€ble" DROP COLUMN "ü"; -- compat: breaking (reason: )
ALTER TABLE "tä€ble" ALTER COLUMN "𝔵" TYPE varchar(1);
