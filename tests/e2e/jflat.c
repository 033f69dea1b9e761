/* jflat FILE: parses a JSON document with jansson and prints it flattened, one line per leaf,
 * for the e2e tests (compiled into $TMP by the test files that need it):
 *   .tool="confine"
 *   .modules#=1                      (element count of an array)
 *   .modules[0].findings[3].line=30
 *   .modules[0].member=null
 *   .modules[0].findings[0].writers=[]   (empty array; {} for an empty object)
 * Exits 1 with "jflat: FILE:LINE:COLUMN: reason" when FILE is not valid JSON (duplicate keys and
 * trailing garbage included), 2 on a usage error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void leaf(const char *path, const json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	printf("%s=%s\n", path, text ? text : "?");
	free(text);
}

static void walk(const char *path, const json_t *v)
{
	size_t len = strlen(path);
	char *sub;

	if (json_is_object(v)) {
		const char *key;
		json_t *val;

		if (json_object_size(v) == 0) {
			printf("%s={}\n", path);
			return;
		}
		json_object_foreach((json_t *)v, key, val) {
			sub = malloc(len + strlen(key) + 2);
			if (!sub)
				exit(3);
			sprintf(sub, "%s.%s", path, key);
			walk(sub, val);
			free(sub);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *val;

		printf("%s#=%zu\n", path, json_array_size(v));
		if (json_array_size(v) == 0) {
			printf("%s=[]\n", path);
			return;
		}
		json_array_foreach(v, i, val) {
			sub = malloc(len + 24);
			if (!sub)
				exit(3);
			sprintf(sub, "%s[%zu]", path, i);
			walk(sub, val);
			free(sub);
		}
	} else {
		leaf(path, v);
	}
}

int main(int argc, char **argv)
{
	json_error_t err;
	json_t *doc;

	if (argc != 2) {
		fputs("usage: jflat FILE\n", stderr);
		return 2;
	}
	doc = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		fprintf(stderr, "jflat: %s:%d:%d: %s\n", argv[1], err.line, err.column, err.text);
		return 1;
	}
	walk("", doc);
	json_decref(doc);
	return 0;
}
