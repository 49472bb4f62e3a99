#!/bin/sh
# make-deb.sh - what `make deb` runs: a Debian package of the grader, built
# from BUILD's binaries with dpkg-deb (no debhelper):
#
#   sh ci/make-deb.sh BUILD OUTDIR      -> OUTDIR/grader_VERSION_ARCH.deb
#
# It holds the binaries in /usr/bin (grader runs grader-core, grader-serve
# and grader-sqlite from beside itself), a man page per command made from
# its --help, the systemd unit (docs/operations.md) with /usr paths, an
# example configuration, the docs in /usr/share/doc/grader and the bundled
# course in /usr/share/grader/exercises. Depends lists the Debian packages
# that hold the libraries the binaries load (found with ldd and dpkg -S),
# and python3 and git, which the bundled course's exercises run.
set -eu
build=${1:?usage: make-deb.sh BUILD OUTDIR}
out=${2:?usage: make-deb.sh BUILD OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
for b in grader grader-core grader-serve grader-sqlite; do
	[ -x "$build/$b" ] || { echo "make-deb: $build/$b is missing (make all)" >&2; exit 2; }
done
command -v dpkg-deb >/dev/null || { echo "make-deb: dpkg-deb is missing" >&2; exit 2; }
version=$("$build/grader" --version | sed -n 's/^grader //p')
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage="$tmp/grader_${version}_$arch"

# -o all: install what BUILD holds; never rebuild it (BUILD may be a
# sanitizer build made with other flags).
make -s -C "$root" --no-print-directory -o all install BUILD="$build" DESTDIR="$stage" PREFIX=/usr
doc="$stage/usr/share/doc/grader"

# Man pages: each command's --help, as it is, in a man page's frame.
man="$stage/usr/share/man/man1"
mkdir -p "$man"
manpage() { # NAME TITLE CMD...
	name=$1 title=$2
	shift 2
	{
		printf '.TH %s 1 "" "grader %s" "grader manual"\n' "$(echo "$name" | tr a-z A-Z)" "$version"
		printf '.SH NAME\n%s \\- %s\n.SH DESCRIPTION\n.nf\n' "$name" "$title"
		"$@" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"
		printf '.fi\n.SH SEE ALSO\n'
		printf '/usr/share/doc/grader/ (the exercise format, the report format, security, operations)\n'
	} | gzip -9n >"$man/$name.1.gz"
}
manpage grader "runs and grades hands-on programming exercises" "$build/grader"
manpage grader-grade "grade a learner's submission against a course" "$build/grader" grade
manpage grader-lint "validate a course or an exercise" "$build/grader" lint
manpage grader-check "self-test exercises against their reference and wrong solutions" "$build/grader" check
manpage grader-report "write a stored JSON report in another format" "$build/grader" report
manpage grader-sandbox "run one command in the sandbox" "$build/grader" sandbox
manpage grader-serve "the grading daemon" "$build/grader-serve" serve

# The daemon's unit and an example configuration, with the package's paths.
mkdir -p "$stage/lib/systemd/system"
sed -e 's|/usr/local/bin/|/usr/bin/|g' -e 's|/usr/local/share/|/usr/share/|g' \
	-e 's|^# Install: cp ci/grader.service .*|# Installed by the grader package: systemctl enable --now grader|' \
	-e '/^#          && systemctl/d' \
	"$root/ci/grader.service" >"$stage/lib/systemd/system/grader.service"
sed 's|/usr/local/share/grader/exercises|/usr/share/grader/exercises|' \
	"$root/ci/grader.example.yaml" >"$doc/grader.example.yaml"
cp "$root/README.md" "$doc/README.md"
cat >"$doc/copyright" <<E
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: grader
Comment: built by ci/make-deb.sh from the grader source tree.
E

# Depends: the packages that hold the libraries the binaries name (their
# NEEDED entries; apt brings what those need in turn).
libs=$(for b in grader grader-core grader-serve grader-sqlite; do
	needed=$(readelf -d "$build/$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	ldd "$build/$b" | while read -r so _ path _; do
		for n in $needed; do if [ "$so" = "$n" ]; then echo "$path"; fi; done
	done
done | sort -u)
deps=$(for l in $libs; do
	real=$(readlink -f "$l")
	dpkg -S "$l" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true
done | sed 's/:.*//; s/,.*//' | sort -u | tr '\n' ' ')
[ -n "$deps" ] || { echo "make-deb: found no library packages (ldd or dpkg -S failed)" >&2; exit 3; }
depends=$(for p in $deps python3 git; do printf '%s, ' "$p"; done | sed 's/, $//')
size=$(du -sk "$stage/usr" "$stage/lib" | awk '{s += $1} END {print s}')
mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<E
Package: grader
Version: $version
Architecture: $arch
Maintainer: grader developers <grader@localhost>
Installed-Size: $size
Depends: $depends
Recommends: python3-pytest, python3-pytest-subtests, python3-flask, python3-jwt, sqlite3
Suggests: postgresql
Section: education
Priority: optional
Homepage: https://example.invalid/grader
Description: hands-on programming exercise runner and auto-grader
 grader runs learners' exercises (stdin/stdout programs, pytest suites,
 tests of tests, SQL queries, HTTP servers, Git histories, Dockerfiles)
 inside a seccomp- and namespace-restricted sandbox, compares what it
 observes with YAML-defined expectations and writes JSON, text, Markdown,
 JUnit, Gradescope and Exercism reports. grader serve is a daemon that
 grades pushes from Git repositories. The bundled backend-developer course
 is in /usr/share/grader/exercises.
E
deb="$out/grader_${version}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
