import sys

data = sys.stdin.read().split()
n = int(data[0])
players = sorted(
    ((data[1 + 2 * i], int(data[2 + 2 * i])) for i in range(n)), key=lambda p: (-p[1], p[0])
)
rank = 0
for i, (name, score) in enumerate(players):
    if i == 0 or score != players[i - 1][1]:
        rank += 1  # dense ranking: 1, 2, 2, 3
    print(f"{rank}. {name} {score}")
