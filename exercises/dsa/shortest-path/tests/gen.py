"""Writes large.in: a deterministic random graph (20,000 nodes, 40,000
edges). Run: python3 gen.py > large.in; python3 ../solution/path.py < large.in > large.out"""
import random

rng = random.Random(20261125)
n, m = 20000, 40000
edges = []
for v in range(2, n + 1):  # a random tree keeps it connected
    edges.append((rng.randint(max(1, v - 50), v - 1), v))
while len(edges) < m:
    u, v = rng.randint(1, n), rng.randint(1, n)
    if u != v and abs(u - v) > 1000:
        continue
    if u != v:
        edges.append((u, v))
rng.shuffle(edges)
print(n, m)
for u, v in edges:
    print(u, v)
print(1, n)
