INSERT INTO transfers (from_account, to_account, amount) VALUES (1, 2, 30);
UPDATE accounts SET balance = balance + 30 WHERE id = 2;
UPDATE accounts SET balance = balance - 30 WHERE id = 1;
