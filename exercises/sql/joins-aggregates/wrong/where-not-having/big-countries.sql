SELECT c.country, ROUND(SUM(o.total), 2) AS revenue
FROM customers c JOIN orders o ON o.customer_id = c.id
WHERE o.total > 200
GROUP BY c.country
ORDER BY revenue DESC;
