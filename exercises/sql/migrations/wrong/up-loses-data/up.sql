DROP TABLE users;
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    signed_up DATE NOT NULL DEFAULT '2024-01-01'
);
CREATE INDEX users_by_signup ON users (signed_up);
