import sys
from collections import deque


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    adj = [[] for _ in range(n + 1)]
    k = 2
    for _ in range(m):
        u, v = int(data[k]), int(data[k + 1])
        k += 2
        adj[u].append(v)
    s, t = int(data[k]), int(data[k + 1])
    dist = [-1] * (n + 1)
    dist[s] = 0
    queue = deque([s])
    while queue:
        u = queue.popleft()
        if u == t:
            break
        for v in adj[u]:
            if dist[v] < 0:
                dist[v] = dist[u] + 1
                queue.append(v)
    print(dist[t])


main()
