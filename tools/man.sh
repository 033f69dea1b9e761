#!/bin/sh
# Writes confine's man pages, generated from what declares each thing once: the --help texts
# (confine(1), confine-COMMAND(1)), the guard's option table (confine-guard(7), confine-run(1)),
# README.md's "Run it in staging" (confine-guard(7)) and rules/README.md (confine-rules(5)).
# Usage: tools/man.sh CONFINE GUARD_OPTIONS_MAN PREFIX OUTDIR
set -eu
confine=$1 guard_options=$2 prefix=$3 out=$4
tools=$(dirname "$0")
version=$("$confine" --version | sed 's/^confine //')
mkdir -p "$out"
rm -f "$out"/*.[157]
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$guard_options" >"$tmp/options"

# The commands and their one-line descriptions, from the "commands:" list of confine --help.
"$confine" --help | awk '
	/^commands:$/ { on = 1; next }
	/^$/ { on = 0 }
	on && /^  [a-z]/ {
		if (name != "") print name "\t" desc
		name = $1; desc = substr($0, 3)
		desc = match(desc, /  +/) ? substr(desc, RSTART + RLENGTH) : ""
		next
	}
	on && desc == "" { desc = $0; sub(/^ +/, "", desc) }
	END { if (name != "") print name "\t" desc }' >"$tmp/commands"

# header NAME SECTION DESCRIPTION: the title and NAME lines.
header() {
	printf '.TH %s %s "" "confine %s" "confine manual"\n' "$(echo "$1" | tr a-z A-Z)" "$2" "$version"
	printf '.SH NAME\n%s \\- %s\n' "$(echo "$1" | sed 's/-/\\-/g')" "$3"
}

see_also() {
	printf '.SH "SEE ALSO"\n'
	{
		echo "confine 1"
		cut -f1 "$tmp/commands" | sed 's/^/confine-/; s/$/ 1/'
		echo "confine-rules 5"
		echo "confine-guard 7"
	} | grep -vx "$1 $2" | sed 's/-/\\-/g; s/^\([^ ]*\) \(.*\)/.BR \1 (\2),/' | sed '$ s/,$//'
	printf '.PP\nThe full guide, with examples: %s/share/doc/confine/README.md.\n' "$prefix"
}

files_and_env() {
	cat <<EOF
.SH FILES
.TP
.I $prefix/lib/libconfine_guard.so
the runtime guard, preloaded by \\fBconfine run\\fR (found from the directory of \\fBconfine\\fR:
\\fI../lib\\fR)
.TP
.I $prefix/libexec/confine/confine\\-symbolizer
the guard's symbolizer, a helper process that turns addresses into function, file and line
(found from the guard's directory: \\fI../libexec/confine\\fR)
.TP
.I $prefix/include/confine.h
\\fBconfine_claim\\fR() and \\fBconfine_release\\fR(), declared weak
.SH ENVIRONMENT
.TP
.B CONFINE_OPTIONS
the guard's options, \\fIkey\\fR=\\fIvalue\\fR separated by \\fB:\\fR (see \\fBconfine\\-guard\\fR(7))
.TP
.B CONFINE_GUARD
the guard library for \\fBconfine run\\fR, instead of the one beside it
.TP
.B CONFINE_SYMBOLIZER
the guard's symbolizer, instead of the one beside it
.TP
.B NO_COLOR
no colour in the output, even on a terminal
EOF
}

# confine(1)
{
	header confine 1 "$("$confine" --help | sed -n '2{s/\.$//;s/^./\L&/;p}')"
	"$confine" --help | awk -f "$tools/help2man.awk"
	files_and_env
	see_also confine 1
} >"$out/confine.1"

# confine-COMMAND(1)
while IFS="$(printf '\t')" read -r cmd desc; do
	{
		header "confine-$cmd" 1 "$desc"
		"$confine" "$cmd" --help | awk -f "$tools/help2man.awk"
		if [ "$cmd" = run ]; then
			printf '.SH "GUARD OPTIONS"\n'
			printf 'Set in \\fBCONFINE_OPTIONS\\fR or with \\fB\\-\\-options\\fR; see \\fBconfine\\-guard\\fR(7).\n'
			cat "$tmp/options"
		fi
		see_also "confine-$cmd" 1
	} >"$out/confine-$cmd.1"
done <"$tmp/commands"

# confine-rules(5)
{
	header confine-rules 5 "the rule files of confine: functions whose calls are findings"
	printf '.SH DESCRIPTION\n'
	awk -f "$tools/md2man.awk" rules/README.md
	see_also confine-rules 5
} >"$out/confine-rules.5"

# confine-guard(7): the README section, with paths of the installed layout.
{
	header confine-guard 7 "the runtime guard libconfine_guard.so: ownership, reports, options, entry patching"
	printf '.SH DESCRIPTION\n'
	sed -e "s|\$PWD/build/lib/|$prefix/lib/|g; s|build/lib/libconfine_guard\\.so|$prefix/lib/libconfine_guard.so|g" \
		-e 's|build/bin/confine|confine|g' README.md |
		awk -v from='Run it in staging' -v options="$tmp/options" -f "$tools/md2man.awk"
	files_and_env
	see_also confine-guard 7
} >"$out/confine-guard.7"
