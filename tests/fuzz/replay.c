/* Replays fuzz inputs through a libFuzzer target without libFuzzer (built by gcc for `make
 * test`): every file named, or every file of every directory named, once. Ends with one line
 * in cmocka's summary form, counting the inputs, so that tests/run-all.sh counts them; a crash,
 * a sanitizer report or an input over its CPU limit stops it with a failing status (stderr
 * names each input before it runs). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CPU time an input may take (user and system): the corpus holds inputs that once took half a
 * second of CPU (seconds on a loaded machine); each takes milliseconds now, even under the
 * sanitizers. SIGPROF's default action ends the replay. */
#define CPU_LIMIT_US 250000

static int replay_file(const char *path)
{
	struct itimerval limit = { { 0, 0 }, { 0, CPU_LIMIT_US } }, off = { { 0, 0 }, { 0, 0 } };
	char *bytes = NULL;
	size_t len = 0;

	if (text_read_file(path, &bytes, &len)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	fprintf(stderr, "replay: %s\n", path);
	setitimer(ITIMER_PROF, &limit, NULL);
	LLVMFuzzerTestOneInput((const uint8_t *)bytes, len);
	setitimer(ITIMER_PROF, &off, NULL);
	free(bytes);
	return 0;
}

/* Replays a file or the files of a directory (sorted); returns the count, or -1. */
static int replay(const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n, count = 0;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return replay_file(path) ? -1 : 1;
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list %s\n", path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && count >= 0)
			count = replay_file(sub) ? -1 : count + 1;
		free(ents[i]);
	}
	free(ents);
	return count;
}

/* Without arguments: the target's committed corpus (FUZZ_CORPUS, relative to the repository). */
int main(int argc, char **argv)
{
	char *fallback[] = { argv[0], FUZZ_CORPUS };
	int total = 0;

	if (argc < 2) {
		argc = 2;
		argv = fallback;
	}
	for (int i = 1; i < argc; i++) {
		int n = replay(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("[  PASSED  ] %d test(s).\n", total);
	return 0;
}
