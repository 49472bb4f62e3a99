import sys


def fizzbuzz(i):
    if i % 15 == 0:
        return "FizzBuzz"
    if i % 3 == 0:
        return "Fizz"
    if i % 5 == 0:
        return "Buzz"
    return str(i)


n = int(sys.stdin.read())
sys.stdout.write("".join(fizzbuzz(i) + "\n" for i in range(1, n + 1)))
