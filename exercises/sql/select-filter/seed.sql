INSERT INTO customers (id, name, city, signed_up, active) VALUES
    (1, 'Ada Lovelace', 'London', '2023-01-15', 1),
    (2, 'Alan Turing', 'Manchester', '2023-02-03', 1),
    (3, 'Grace Hopper', 'New York', '2022-11-20', 1),
    (4, 'Edsger Dijkstra', 'Amsterdam', '2023-03-30', 0),
    (5, 'Barbara Liskov', 'Boston', '2024-05-05', 1),
    (6, 'Tim Berners-Lee', 'London', '2024-01-02', 1),
    (7, 'Margaret Hamilton', 'Boston', '2022-06-17', 0),
    (8, 'Donald Knuth', 'Stanford', '2023-09-09', 1),
    (9, 'Karen Sparck Jones', 'London', '2022-04-01', 1);
