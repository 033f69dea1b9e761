# Builds rules/libc.rules from the glibc MT-Safety annotations, the POSIX list and the overrides.
# Usage: awk -f rules/gen-rules.awk libc-mt-safety.tsv posix-not-thread-safe.tsv overrides.tsv | sort
BEGIN { FS = "\t" }
FNR == 1 { file++ }
/^#/ || NF == 0 { next }
file == 1 { known[$1] = 1; if ($2 == "unsafe") glibc_rule($1, $3); next }
file == 2 { posix_rule($1, $2, $3); next }
file == 3 { override($0); next }
END { for (f in cat) emit(f) }

# Race tags name hidden state; const tags name process-wide settings the function writes.
function glibc_rule(f, tags,    n, t, i, tag, id, cond, groups, consts, uncond) {
	n = split(tags, t, ",")
	for (i = 1; i <= n; i++) {
		tag = t[i]; cond = ""
		if (index(tag, "/")) { cond = substr(tag, index(tag, "/") + 1); tag = substr(tag, 1, index(tag, "/") - 1) }
		if (cond ~ /^bsd/ || cond ~ /!linux/) continue
		if (tag == "race" || tag ~ /^race:/) {
			id = (tag == "race") ? f : substr(tag, 6)
			groups = groups (groups == "" ? "" : ",") id
			if (cond == "") uncond = 1
		} else if (tag ~ /^const:/) {
			consts = consts (consts == "" ? "" : ",") substr(tag, 7)
		}
	}
	if (groups != "") { group[f] = groups; cat[f] = "state"; sev[f] = uncond ? "error" : "warning" }
	else if (consts != "") { group[f] = consts; cat[f] = "env"; sev[f] = "error" }
	else return
	src[f] = "glibc"
}

function posix_rule(f, alt, note) {
	if (alt != "") altv[f] = alt
	if (f in cat) { src[f] = src[f] ",posix"; return }
	group[f] = f; cat[f] = "posix"; sev[f] = "warning"; src[f] = "posix"
}

function override(line,    o) {
	split(line, o, "\t")
	if (!(o[1] in cat)) { print "gen-rules: override for unknown function " o[1] > "/dev/stderr"; exit 1 }
	if (o[2] != "=") group[o[1]] = o[2]
	if (o[3] != "=") sev[o[1]] = o[3]
	if (o[4] != "=") cat[o[1]] = o[4]
	if (o[5] != "=") altv[o[1]] = o[5]
	if (o[6] != "=") alias[o[1]] = o[6]
	if (o[7] != "=") query[o[1]] = o[7]
}

function emit(f,    a) {
	a = (f in altv) ? altv[f] : ((f "_r") in known ? f "_r" : "-")
	# The query field is the last and rarely set: written only where it is.
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", f, group[f], sev[f], cat[f], a, src[f], (f in alias) ? alias[f] : "-",
		(f in query) ? "\t" query[f] : ""
}
