-- Countries whose customers spent more than 200 in all, biggest first.
SELECT c.country, ROUND(SUM(o.total), 2) AS revenue
FROM customers c
JOIN orders o ON o.customer_id = c.id
GROUP BY c.country
HAVING SUM(o.total) > 200
ORDER BY revenue DESC;
