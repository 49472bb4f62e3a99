INSERT INTO users (id, email, name) VALUES
    (1, 'ada@example.com', 'Ada'), (2, 'alan@example.com', 'Alan'), (3, 'grace@example.com', 'Grace');
