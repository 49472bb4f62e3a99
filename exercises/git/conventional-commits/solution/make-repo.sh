#!/bin/sh
# Builds the reference repository in $1: four conventional commits and a merge.
set -eu
dest=$1
export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$dest"
cd "$dest"
echo "# Notes app" > README.md
git add README.md
git commit -qm "docs: describe the notes app"
printf 'def add(notes, text):\n    return notes + [text]\n' > notes.py
git add notes.py
git commit -qm "feat(notes): add a note"
git checkout -qb fix-empty
printf 'def add(notes, text):\n    if not text.strip():\n        return notes\n    return notes + [text]\n' > notes.py
git commit -qam "fix(notes): ignore empty notes

Blank input used to create an empty note."
git checkout -q main
git merge -q --no-ff -m "Merge branch 'fix-empty'" fix-empty
printf 'from notes import add\nassert add([], " ") == []\n' > test_notes.py
git add test_notes.py
git commit -qm "test(notes)!: pin empty-note behaviour"
