-- The shop's customers.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT NOT NULL,
    signed_up DATE NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
