INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Ada', 'engineering', 9100.00),
    (2, 'Alan', 'engineering', 8700.50),
    (3, 'Grace', 'engineering', 9100.00),
    (4, 'Edsger', 'engineering', 7600.00),
    (5, 'Barbara', 'research', 8800.00),
    (6, 'Tim', 'research', 6400.00),
    (7, 'Margaret', 'research', 8100.25),
    (8, 'Donald', 'support', 5100.00),
    (9, 'Karen', 'support', 5100.00),
    (10, 'Ken', 'support', 4900.00);
