-- Users get a sign-up date (existing ones: 2024-01-01) and an index on it.
ALTER TABLE users ADD COLUMN signed_up DATE NOT NULL DEFAULT '2024-01-01';
CREATE INDEX users_by_signup ON users (signed_up);
