INSERT INTO accounts (id, owner, balance) VALUES (1, 'Ada', 100), (2, 'Alan', 20), (3, 'Grace', 0);
