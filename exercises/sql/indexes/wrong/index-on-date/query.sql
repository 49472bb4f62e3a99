SELECT id, placed_on, total
FROM orders
WHERE customer_id = 42
ORDER BY placed_on, id;
