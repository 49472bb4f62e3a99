-- No ties: RANK and DENSE_RANK agree here; only the main dataset has ties.
INSERT INTO employees (id, name, department, salary) VALUES
    (1, 'Ann', 'sales', 5000.00),
    (2, 'Bob', 'sales', 4000.00),
    (3, 'Cy', 'sales', 3000.00),
    (4, 'Di', 'ops', 7000.00),
    (5, 'Ed', 'ops', 6500.00);
