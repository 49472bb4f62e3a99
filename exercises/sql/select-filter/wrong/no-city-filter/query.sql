SELECT name, signed_up FROM customers WHERE active = 1 ORDER BY signed_up DESC, name;
