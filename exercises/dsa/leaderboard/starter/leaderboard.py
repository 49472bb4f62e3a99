import sys

lines = sys.stdin.read().split("\n")
n = int(lines[0])
players = [line.split() for line in lines[1 : n + 1]]
# sort the players and print "rank. name score" lines
