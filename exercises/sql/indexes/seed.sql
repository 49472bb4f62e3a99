-- 2,000 orders of 100 customers.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO orders (id, customer_id, placed_on, total)
SELECT i, (i * 37) % 100 + 1, date('2024-01-01', '+' || (i % 365) || ' days'),
       round(((i * 7919) % 10000) / 100.0, 2)
FROM n;
