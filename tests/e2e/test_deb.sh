# `make deb` (ci/make-deb.sh): a Debian package of BUILD's binaries. Its
# control fields, its files, and a smoke test of the grader it holds, run
# from the unpacked package (installing it with apt on a clean Debian 12 is
# checked by hand, in a fresh Debian root).
. "$(dirname "$0")/lib.sh"
command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing (this is not Debian?)"
expect_status 0 sh "$ROOT/ci/make-deb.sh" "$BUILD" "$T/deb"
deb=$(cat "$T/out")
[ -f "$deb" ] || fail "make-deb.sh named no package: $deb"
case "$deb" in *"/grader_"*"_$(dpkg --print-architecture).deb") ;; *) fail "a package name not grader_VERSION_ARCH.deb: $deb" ;; esac
dpkg-deb -f "$deb" Package Version Depends >"$T/control"
contains "$T/control" "Package: grader"
contains "$T/control" "Version: $("$GRADER" --version | sed 's/^grader //')"
# Every package it depends on exists on this machine (they are what the
# binaries were linked against).
for p in $(sed -n 's/^Depends: //p' "$T/control" | tr ',' ' '); do
	dpkg-query -W "$p" >/dev/null 2>&1 || fail "the package depends on $p, which is not a Debian package here"
done
for p in libgit2 libseccomp2 libcjson1 libcurl4 libpq5; do
	contains "$T/control" "$p"
done

mkdir "$T/root"
dpkg-deb -x "$deb" "$T/root"
R="$T/root"
for f in usr/bin/grader usr/bin/grader-core usr/bin/grader-serve usr/bin/grader-sqlite \
	lib/systemd/system/grader.service usr/share/grader/exercises/course.yaml \
	usr/share/doc/grader/security.md usr/share/doc/grader/grader.example.yaml \
	usr/share/man/man1/grader.1.gz usr/share/man/man1/grader-grade.1.gz \
	usr/share/man/man1/grader-serve.1.gz; do
	[ -e "$R/$f" ] || fail "the package lacks /$f"
done
# the unit and the example point at the package's paths
contains "$R/lib/systemd/system/grader.service" "ExecStart=/usr/bin/grader serve"
lacks "$R/lib/systemd/system/grader.service" "/usr/local"
contains "$R/usr/share/doc/grader/grader.example.yaml" "course: /usr/share/grader/exercises"
# a man page is the command's --help in a man page's frame
gzip -dc "$R/usr/share/man/man1/grader-grade.1.gz" >"$T/man"
contains "$T/man" ".TH GRADER-GRADE 1"
contains "$T/man" "usage: grader grade --course DIR"
if command -v groff >/dev/null; then
	groff -man -Tutf8 "$T/man" >"$T/man.txt" 2>"$T/man.err" || fail "groff cannot render the man page: $(cat "$T/man.err")"
	contains "$T/man.txt" "--audience"
fi

# Smoke test: the packaged grader lints its course and grades an exercise.
expect_status 0 "$R/usr/bin/grader" --version
expect_status 0 "$R/usr/bin/grader" lint "$R/usr/share/grader/exercises"
contains "$T/out" "ok ("
mkdir -p "$T/sub/python/fizzbuzz"
cp "$R/usr/share/grader/exercises/python/fizzbuzz/solution/"* "$T/sub/python/fizzbuzz/"
expect_status 0 "$R/usr/bin/grader" grade --course "$R/usr/share/grader/exercises" \
	--exercise python/fizzbuzz --format text --no-color "$T/sub"
contains "$T/out" "10/10 passed"
echo "deb e2e ok"
