SELECT count(*) AS customers
FROM customers
WHERE signed_up >= '2023-01-01';
