-- The two highest salary levels of every department: ties share a
-- level, and the next level follows on (DENSE_RANK).
SELECT department, name, salary, salary_rank
FROM (
    SELECT department, name, salary,
           DENSE_RANK() OVER (ORDER BY salary DESC) AS salary_rank
    FROM employees
) ranked
WHERE salary_rank <= 2
ORDER BY department, salary_rank, name;
