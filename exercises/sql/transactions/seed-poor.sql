-- Ada cannot pay 30: the transfer must not happen at all.
INSERT INTO accounts (id, owner, balance) VALUES (1, 'Ada', 10), (2, 'Alan', 20), (3, 'Grace', 0);
