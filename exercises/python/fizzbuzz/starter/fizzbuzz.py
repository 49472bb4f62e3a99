import sys

n = int(sys.stdin.read())
# print the sequence from 1 to n here
