#!/bin/sh
# Two good commits: one short of the three asked for.
set -eu
dest=$1
export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$dest"
cd "$dest"
echo one > a.txt && git add a.txt && git commit -qm "feat: first version"
echo two > a.txt && git commit -qam "fix(a): say two"
