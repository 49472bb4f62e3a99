ALTER TABLE users RENAME TO old_users;
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
INSERT INTO users SELECT id, email, name FROM old_users;
CREATE INDEX users_by_signup ON old_users (signed_up);
