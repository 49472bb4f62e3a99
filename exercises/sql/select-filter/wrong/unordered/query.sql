SELECT name, signed_up FROM customers WHERE city = 'London' AND active = 1;
