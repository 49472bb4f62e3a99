SELECT id, department,
       SUM(salary) OVER (PARTITION BY department) AS running_total
FROM employees
ORDER BY id;
