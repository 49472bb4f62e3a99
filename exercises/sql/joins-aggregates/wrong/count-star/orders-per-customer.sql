SELECT c.name, COUNT(*) AS orders, COALESCE(ROUND(SUM(o.total), 2), 0) AS spent
FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.name;
