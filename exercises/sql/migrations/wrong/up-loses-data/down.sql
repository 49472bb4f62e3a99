-- Undo up.sql: the schema is as before it ran.
DROP INDEX users_by_signup;
ALTER TABLE users DROP COLUMN signed_up;
