# Turns one section of a Markdown file (README.md, rules/README.md) into man page text, so that
# the manual and the README say each thing once. Handles what those files use: headings,
# paragraphs, fenced code, lists, tables and inline code, bold, italics and links.
# Usage: awk -v from='Heading text' [-v options=FILE] -f tools/md2man.awk FILE.md
#   from:    the heading whose section is converted (its subsections too); empty: the whole file
#            after its first heading.
#   options: a file of man text that replaces a table whose first column is "option" (the guard
#            options, generated from runtime_guard/guard_flags.inc).

function esc(s) {
	gsub(/\\/, "\\e", s)
	return s
}

# Replaces each match of re (delimited by n1 characters at the start and n2 at the end) by
# the inner text between on and off.
function wrap(s, re, n1, n2, on, off,   out) {
	out = ""
	while (match(s, re)) {
		out = out substr(s, 1, RSTART - 1) on substr(s, RSTART + n1, RLENGTH - n1 - n2) off
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

# Links become their text: [text](target).
function links(s,   out, t) {
	out = ""
	while (match(s, /\[[^]]*\]\([^)]*\)/)) {
		t = substr(s, RSTART + 1)
		t = substr(t, 1, index(t, "]") - 1)
		out = out substr(s, 1, RSTART - 1) t
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

# Inline markup. Code spans may continue on the next line (incode carries over).
function inline(s,   n, i, part, out) {
	s = links(esc(s))
	n = split(s, part, "`")
	out = ""
	for (i = 1; i <= n; i++) {
		if (i > 1)
			incode = !incode
		if (incode) {
			gsub(/-/, "\\-", part[i])
			out = out "\\fB" part[i] "\\fR"
		} else {
			part[i] = wrap(part[i], "\\*\\*[^*]+\\*\\*", 2, 2, "\\fB", "\\fR")
			part[i] = wrap(part[i], "\\*[^* ][^*]*\\*", 1, 1, "\\fI", "\\fR")
			out = out part[i]
		}
	}
	if (out ~ /^[.']/)
		out = "\\&" out
	return out
}

function cells(line, arr,   n, i) {
	sub(/^ *\| */, "", line)
	sub(/ *\| *$/, "", line)
	n = split(line, arr, / *\| */)
	return n
}

function table_row(line,   n, i, c, body) {
	n = cells(line, c)
	if (!ncols) {
		ncols = cells(line, head)
		if (head[1] == "option" && options != "") {
			while ((getline l < options) > 0)
				print l
			close(options)
			skip_table = 1
		}
		return
	}
	if (skip_table || line ~ /^[ |:-]+$/)
		return
	print ".TP"
	print inline(c[1])
	body = c[2]
	for (i = 3; i <= n; i++)
		if (c[i] != "")
			body = body "; " head[i] ": " c[i]
	print inline(body)
}

function heading(level, title) {
	incode = 0
	title = inline(title)
	if (level == base + 1)
		print ".SH \"" toupper(title) "\""
	else
		print ".SS \"" title "\""
	para = 0
}

BEGIN { base = -1 }

# Find the start: the named heading (or the first heading), then stop at the next heading of
# the same or a higher level.
base < 0 {
	if (match($0, /^#+ /) && (from == "" || substr($0, RLENGTH + 1) == from))
		base = RLENGTH - 1
	next
}
fence {
	if ($0 ~ /^ *```/) {
		print ".fi"
		print ".RE"
		fence = 0
		para = 1
		next
	}
	line = $0
	sub("^" fence_indent, "", line)
	line = esc(line)
	if (line ~ /^[.']/)
		line = "\\&" line
	print line
	next
}
/^ *```/ {
	match($0, /^ */)
	fence_indent = substr($0, 1, RLENGTH)
	print ".PP"
	print ".RS 4"
	print ".nf"
	fence = 1
	next
}
/^<!--.*-->$/ { next }
match($0, /^#+ /) {
	if (RLENGTH - 1 <= base)
		exit
	heading(RLENGTH - 1, substr($0, RLENGTH + 1))
	next
}
/^ *\|/ {
	table_row($0)
	next
}
{ ncols = 0; skip_table = 0 }
/^ *$/ {
	para = 1
	incode = 0
	next
}
/^[-*] / {
	print ".IP \\(bu 2"
	print inline(substr($0, 3))
	para = 0
	next
}
/^  +[-*] / {
	sub(/^ +[-*] /, "")
	print ".IP \\(en 4"
	print inline($0)
	para = 0
	next
}
/^[0-9]+\. / {
	n = index($0, " ")
	print ".IP " substr($0, 1, n - 1) " 4"
	print inline(substr($0, n + 1))
	para = 0
	next
}
{
	if (para)
		print ".PP"
	para = 0
	sub(/^ +/, "")
	print inline($0)
}
