import sys


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    players = [(data[1 + 2 * i], int(data[2 + 2 * i])) for i in range(n)]
    players.sort(key=lambda p: (-p[1], p[0]))
    out = []
    rank = 0
    for i, (name, score) in enumerate(players):
        if i == 0 or score != players[i - 1][1]:
            rank = i + 1
        out.append(f"{rank}. {name} {score}\n")
    sys.stdout.write("".join(out))


main()
