#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet/hex.h"

size_t tu_hex(const char *hex, uint8_t *out, size_t cap)
{
	char clean[8192];
	size_t n = 0, len = 0;
	struct pl_err err;

	for (; *hex && n + 1 < sizeof(clean); hex++)
		if (*hex != '|')
			clean[n++] = *hex;
	clean[n] = '\0';
	if (pl_hex_decode(clean, out, cap, &len, &err))
		cr_assert_fail("bad fixture hex: %s", err.msg);
	return len;
}

const char *tu_src(const char *rel)
{
	/* several calls may feed one argv: rotate through a few buffers */
	static char path[8][1024];
	static unsigned k;
	const char *root = getenv("PINGLAB_SRC");

	k = (k + 1) % 8;
	snprintf(path[k], sizeof(path[k]), "%s/%s", root ? root : ".", rel);
	return path[k];
}

const char *tu_bin(const char *name)
{
	static char path[4][512];
	static unsigned k;
	const char *b = getenv("PINGLAB_BUILD");

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", b ? b : "build", name);
	return path[k];
}

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

size_t tu_kernel_pairs(struct tu_pair *pairs, size_t max)
{
	FILE *f = fopen(tu_src("tests/fixtures/kernel-echo.txt"), "r");
	char line[2048], word[16], hex[1024];
	size_t n = 0;

	cr_assert_not_null(f, "cannot open tests/fixtures/kernel-echo.txt (run from the repo root)");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %1023s", word, hex) != 2 || line[0] == '#')
			continue;
		if (!strcmp(word, "request") && n < max) {
			pairs[n].req_len = tu_hex(hex, pairs[n].req, sizeof(pairs[n].req));
		} else if (!strcmp(word, "reply") && n < max) {
			pairs[n].rep_len = tu_hex(hex, pairs[n].rep, sizeof(pairs[n].rep));
			n++;
		}
	}
	fclose(f);
	return n;
}

bool tu_packet_line(const char *line)
{
	return !strncmp(line, "{\"type\":\"packet\"", 16);
}
