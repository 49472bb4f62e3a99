import sys


def main():
    data = sys.stdin.read().split()
    n, m = int(data[0]), int(data[1])
    adj = [[] for _ in range(n + 1)]
    k = 2
    for _ in range(m):
        u, v = int(data[k]), int(data[k + 1])
        k += 2
        adj[u].append(v)
        adj[v].append(u)
    s, t = int(data[k]), int(data[k + 1])
    # depth-first: finds a path, counts its edges, stops at the first one
    seen = {s}
    stack = [(s, 0)]
    while stack:
        u, d = stack.pop()
        if u == t:
            print(d)
            return
        for v in adj[u]:
            if v not in seen:
                seen.add(v)
                stack.append((v, d + 1))
    print(-1)


main()
