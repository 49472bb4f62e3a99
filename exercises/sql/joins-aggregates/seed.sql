INSERT INTO customers (id, name, country) VALUES
    (1, 'Ada', 'UK'), (2, 'Alan', 'UK'), (3, 'Grace', 'US'),
    (4, 'Edsger', 'NL'), (5, 'Barbara', 'US'), (6, 'Tim', 'UK');
INSERT INTO orders (id, customer_id, placed_on, total, coupon) VALUES
    (1, 1, '2024-01-03', 120.50, NULL),
    (2, 1, '2024-02-11', 80.00, 'WINTER'),
    (3, 2, '2024-02-12', 15.25, NULL),
    (4, 3, '2024-03-01', 300.00, NULL),
    (5, 3, '2024-03-15', 45.10, 'SPRING'),
    (6, 3, '2024-04-20', 99.99, NULL),
    (7, 5, '2024-04-21', 10.00, NULL),
    (8, 4, '2024-05-02', 250.00, 'SPRING'),
    (9, 1, '2024-05-30', 60.00, NULL);
