# A hostile submission: links that point out of the tree never bring host
# files into the sandbox or the report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
make_fixture "$T"
C="$T/course"

# The exercise folder itself is a link to a host folder holding shout.py.
mkdir -p "$T/host/secret"
cp "$T/learner-good/echo/shout.py" "$T/host/secret/"
mkdir -p "$T/evil"
ln -s "$T/host/secret" "$T/evil/echo"
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/r.json" "$T/evil"
json_is "$T/r.json" "r['score']" 0
# ... because the grader looked for the file and found none, not for any other reason
json_is "$T/r.json" "r['exercises'][0]['missing']" "missing file shout.py in echo/ of the submission"
json_is "$T/r.json" "r['exercises'][0]['checks'][0]['message']" "not run: shout.py is missing"

# passwd-link is a link to /etc/shadow: the program cannot read host files
# through it (inside the sandbox it resolves within the sandbox's root).
mkdir -p "$T/evil2/echo"
cat >"$T/evil2/echo/shout.py" <<'P'
import sys
try:
    data = open("/work/passwd-link").read()
except OSError as e:
    data = "ERR " + type(e).__name__
print("ran: " + data[:200])
P
ln -s /etc/shadow "$T/evil2/echo/passwd-link"
expect_status 1 "$GRADER" grade --course "$C" --audience instructor --output "$T/r2.json" "$T/evil2"
lacks "$T/r2.json" "root:"
# ... and the program did run in the sandbox: its marker is what the report shows
one="r['exercises'][0]['checks'][0]"
json_is "$T/r2.json" "$one['verdict'] + ' / ' + $one['diff']['actual'][:5]" "ok / ran: "
