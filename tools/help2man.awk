# Turns a confine --help text into the body of a man page (SYNOPSIS, DESCRIPTION, OPTIONS or
# COMMANDS, EXIT STATUS), so that each option is declared once, in the C help text.
# Usage: confine CMD --help | awk -f tools/help2man.awk
# Help text shape: "usage: ..." first; paragraphs; indented items "  SPEC  text" whose text
# continues on deeper-indented lines; a paragraph starting "Exit status:" becomes EXIT STATUS.

function esc(s) {
	gsub(/\\/, "\\e", s)
	return s
}

# A text line for roff: escaped, and protected when it starts with a control character.
function text(s) {
	s = esc(s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

# An option or command name: bold, with real minus signs.
function spec(s) {
	s = esc(s)
	gsub(/-/, "\\-", s)
	return "\\fB" s "\\fR"
}

function section(name) {
	if (name != cur) {
		print ".SH " name
		cur = name
	}
}

# "  -o, --output FILE  text": the spec ends at the first run of two spaces.
function item(line,   body) {
	sub(/^ +/, "", line)
	body = ""
	if (match(line, /  +/)) {
		body = substr(line, RSTART + RLENGTH)
		line = substr(line, 1, RSTART - 1)
	} else if (match(line, /^(-[A-Za-z], )?--?[A-Za-z-]+( [A-Z][A-Z.]*)? /)) {
		# Only one space before the text: the option and its argument name end it.
		body = substr(line, RLENGTH + 1)
		line = substr(line, 1, RLENGTH - 1)
	}
	if (cur != "OPTIONS" && cur != "COMMANDS")
		section(line ~ /^-/ ? "OPTIONS" : "COMMANDS")
	print ".TP"
	print spec(line)
	if (body != "")
		print text(body)
}

NR == 1 && /^usage: / {
	sub(/^usage: /, "")
	print ".SH SYNOPSIS"
	n = split($0, w, " ")
	# The command words in bold, the arguments as written.
	line = ""
	for (i = 1; i <= n; i++) {
		if (i <= 2 && w[i] ~ /^[a-z_]+$/)
			line = line (i > 1 ? " " : "") spec(w[i])
		else
			line = line " " esc(w[i])
	}
	print line
	section("DESCRIPTION")
	next
}
/^$/ {
	blank = 1
	next
}
# A heading such as "commands:" opens a section of items.
/^[a-z][a-z ]*:$/ {
	sub(/:$/, "")
	section(toupper($0))
	blank = 0
	next
}
/^        / {
	sub(/^ +/, "")
	print text($0)
	blank = 0
	next
}
/^  / {
	item($0)
	blank = 0
	next
}
{
	if (/^Exit status:/) {
		section("EXIT STATUS")
		sub(/^Exit status: */, "")
	} else if (blank) {
		if (cur == "OPTIONS" || cur == "COMMANDS")
			section("NOTES")
		else
			print ".PP"
	}
	blank = 0
	print text($0)
}
