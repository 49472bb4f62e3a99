-- Another dataset of the same schema: ties in signed_up, a London
-- customer who is inactive, names that sort differently by case.
INSERT INTO customers (id, name, city, signed_up, active) VALUES
    (10, 'zed', 'London', '2023-05-05', 1),
    (11, 'Yan', 'London', '2023-05-05', 1),
    (12, 'Xia', 'London', '2021-01-01', 0),
    (13, 'Wim', 'Paris', '2023-05-05', 1),
    (14, 'Val', 'London', '2020-12-31', 1);
