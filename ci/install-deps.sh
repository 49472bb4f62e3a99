#!/bin/sh
# install-deps.sh - installs the Debian packages grader needs to build,
# test and run. Idempotent: installs only what is missing. Uses sudo when
# not root. Set GRADER_NO_INSTALL=1 to only report what is missing.
set -eu

# chromium, chromium-driver, python3-selenium: tests/e2e/test_web.sh drives
# the web pages in a real headless browser.
PKGS="build-essential pkg-config git clang libclang-rt-14-dev clang-format clang-tidy cppcheck
libgit2-dev libseccomp-dev libcjson-dev libyaml-dev check libsqlite3-dev sqlite3
libpq-dev postgresql libcurl4-openssl-dev libmicrohttpd-dev libssl-dev
python3 python3-pytest python3-pytest-subtests python3-jsonschema python3-flask python3-jwt python3-yaml libxml2-utils curl procps openssh-server openssh-client
chromium chromium-driver python3-selenium"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: missing:$missing" >&2
if [ "${GRADER_NO_INSTALL:-0}" = 1 ]; then
	exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# The tests start their own PostgreSQL and sshd on private sockets and
# ports: the packages' own services are never started (a policy-rc.d that
# refuses, for the install only, unless the machine has one already).
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: installed:$missing" >&2
