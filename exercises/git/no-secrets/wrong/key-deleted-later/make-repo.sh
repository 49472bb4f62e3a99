#!/bin/sh
# A private key committed, then deleted: still in the history.
set -eu
dest=$1
export GIT_AUTHOR_NAME="Ana Learner" GIT_AUTHOR_EMAIL="ana@example.edu"
export GIT_COMMITTER_NAME="Ana Learner" GIT_COMMITTER_EMAIL="ana@example.edu"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$dest"
cd "$dest"
printf '.env\n' > .gitignore
mkdir deploy
printf -- '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n' > deploy/server.txt
git add .gitignore deploy
git commit -qm "feat(deploy): add deployment"
git rm -q deploy/server.txt
mkdir -p deploy && echo "deploy with the key from the vault" > deploy/README
git add deploy/README
git commit -qm "fix(deploy): remove the key"
