-- Every employee with the running total of salaries in their department,
-- in id order.
SELECT id, department,
       SUM(salary) OVER (PARTITION BY department ORDER BY id) AS running_total
FROM employees
ORDER BY id;
