SELECT c.name, COUNT(o.id) AS orders, ROUND(SUM(o.total), 2) AS spent
FROM customers c JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.name;
