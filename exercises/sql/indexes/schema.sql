CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    placed_on DATE NOT NULL,
    total REAL NOT NULL
);
