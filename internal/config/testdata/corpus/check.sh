#!/bin/sh
# Runs the reference loader (../refconfig.py) over every case of the corpus with the
# exact environment of ../SCHEMA.md, cwd = good/ or bad/.  Prints one line per case;
# a good case that is refused, a bad case that is accepted, or output that is not
# refconfig.py's JSON is a FAIL.
# Usage: sh check.sh [-v]     (-v also prints the reference's error for bad cases)
# Exit status: 0 if every case is classified as expected, 1 otherwise.
cd "$(dirname "$0")" || exit 2
corpus=$(pwd)
ref="$corpus/../refconfig.py"
verbose=$1
pass=0
fail=0
for kind in good bad; do
    for f in "$corpus/$kind"/*.conf; do
        [ -e "$f" ] || continue
        name=$(basename "$f")
        out=$(cd "$corpus/$kind" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp \
            TMPDIR=/tmp LANG=C.UTF-8 SVTEST_APP=webapp SVTEST_PORT=9123 SVTEST_WORKERS=4 \
            SVTEST_LOGDIR=/tmp 'SVTEST_PCT=100%' 'SVTEST_SPACE=hello world' SVTEST_EMPTY= \
            /usr/bin/python3 "$ref" "$name" 2>&1)
        # refconfig.py prints sorted keys with indent=1: "ok" is a top-level line.
        if printf '%s\n' "$out" | grep -q '^ "ok": true,\{0,1\}$'; then
            verdict=true
        elif printf '%s\n' "$out" | grep -q '^ "ok": false,\{0,1\}$'; then
            verdict=false
            err=$(printf '%s\n' "$out" | sed -n 's/^ "error": "\(.*\)",\{0,1\}$/\1/p')
        else
            verdict=broken
        fi
        if [ "$kind" = good ] && [ "$verdict" = true ]; then
            pass=$((pass + 1)); echo "ok   good/$name"
        elif [ "$kind" = bad ] && [ "$verdict" = false ]; then
            pass=$((pass + 1))
            if [ "$verbose" = -v ]; then printf 'ok   bad/%s: %s\n' "$name" "$err"
            else echo "ok   bad/$name"; fi
        else
            fail=$((fail + 1))
            case $verdict in
                true) echo "FAIL $kind/$name: accepted by the reference" ;;
                false) printf 'FAIL %s/%s: refused by the reference: %s\n' "$kind" "$name" "$err" ;;
                *) echo "FAIL $kind/$name: refconfig.py printed no valid JSON:"
                   printf '%s\n' "$out" | head -n 20 ;;
            esac
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
