import sys

data = sys.stdin.read().split()
n = int(data[0])
players = [(data[1 + 2 * i], int(data[2 + 2 * i])) for i in range(n)]
# selection sort: right answers, n*n comparisons
for i in range(n):
    best = i
    for j in range(i + 1, n):
        a, b = players[j], players[best]
        if a[1] > b[1] or (a[1] == b[1] and a[0] < b[0]):
            best = j
    players[i], players[best] = players[best], players[i]
rank = 0
for i, (name, score) in enumerate(players):
    if i == 0 or score != players[i - 1][1]:
        rank = i + 1
    print(f"{rank}. {name} {score}")
