#!/bin/sh
# An AWS access key pasted into a config file.
set -eu
dest=$1
export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$dest"
cd "$dest"
printf '.env\n' > .gitignore
printf '[aws]\naccess_key_id = AKIAIOSFODNN7EXAMPLE\nregion = eu-west-1\n' > app.ini
git add .gitignore app.ini
git commit -qm "feat: configure storage"
