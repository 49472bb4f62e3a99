SELECT name AS customer, signed_up FROM customers WHERE city = 'London' AND active = 1 ORDER BY signed_up DESC, name;
