-- Active customers in London, newest first (ties by name).
SELECT name, signed_up
FROM customers
WHERE city = 'London' AND active = 1
ORDER BY signed_up DESC, name;
