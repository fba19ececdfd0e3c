-- Up Migration
-- GHL tokens are stored encrypted (AES-256-GCM, sealed in the application: packages/secrets) as
-- `v1:<keyId>:<iv>:<tag>:<ciphertext>`. The constraint keeps a plaintext token from being written
-- again. It is added NOT VALID because SQL cannot encrypt: rows written before this migration are
-- encrypted by `ghl-sync db migrate` right after the SQL migrations, which then validates it
-- (encryptPlaintextTokens in locations.repository.ts).
ALTER TABLE ghl.locations ADD CONSTRAINT locations_tokens_encrypted
  CHECK (access_token LIKE 'v1:%' AND (refresh_token IS NULL OR refresh_token LIKE 'v1:%')) NOT VALID;

-- Down Migration
ALTER TABLE ghl.locations DROP CONSTRAINT locations_tokens_encrypted;
