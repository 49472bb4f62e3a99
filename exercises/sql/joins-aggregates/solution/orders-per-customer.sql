-- Every customer with the number of orders and what they spent, also
-- those who never ordered (0 orders, 0 spent).
SELECT c.name, COUNT(o.id) AS orders, COALESCE(ROUND(SUM(o.total), 2), 0) AS spent
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.name;
