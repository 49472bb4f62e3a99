#!/bin/sh
# The reference: settings read from the environment, .env ignored, an example file.
set -eu
dest=$1
export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$dest"
cd "$dest"
printf 'import os\nDATABASE_URL = os.environ["DATABASE_URL"]\n' > settings.py
printf '.env\n__pycache__/\n' > .gitignore
printf 'DATABASE_URL=postgres://user:password@localhost/app\nAWS_ACCESS_KEY_ID=\n' > .env.example
git add settings.py .gitignore .env.example
git commit -qm "feat(settings): read settings from the environment"
# a real .env in the work tree, ignored, never committed
printf 'DATABASE_URL=postgres://ana:s3cret@db/app\n' > .env
printf '# App\nCopy .env.example to .env and fill it in.\n' > README.md
git add README.md
git commit -qm "docs: explain the settings"
