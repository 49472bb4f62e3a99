#!/bin/sh
# No secret committed, but nothing keeps .env out of the next commit.
set -eu
dest=$1
export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$dest"
cd "$dest"
printf '__pycache__/\n' > .gitignore
printf 'import os\nDATABASE_URL = os.environ["DATABASE_URL"]\n' > settings.py
git add .gitignore settings.py
git commit -qm "feat(settings): read settings from the environment"
