"""Writes large.in (60,000 players, deterministic) and large.head (the
first 5 lines of the right answer). Run from this folder:
python3 gen.py && python3 ../solution/leaderboard.py < large.in | head -n 5 > large.head"""
import random

rng = random.Random(42)
n = 60000
with open("large.in", "w") as f:
    f.write(f"{n}\n")
    for i in range(n):
        f.write(f"u{(i * 7919) % n} {rng.randrange(100000)}\n")
