CREATE TABLE employees (
    id integer PRIMARY KEY,
    name text NOT NULL,
    department text NOT NULL,
    salary numeric(10, 2) NOT NULL
);
