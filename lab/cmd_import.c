/* pinglab import FILE.pcap [--name NAME] [--category C] [--out FILE] */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/commands.h"
#include "scenario/import.h"
#include "scenario/scenario.h"

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' }, { "category", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *category = "valid", *outpath = NULL;
	char name[64] = "", base[256];
	struct pl_capture cap;
	struct pl_err err = { "" };
	struct pl_scn_set check = { 0 };
	FILE *out = stdout;
	char *text = NULL;
	size_t tlen = 0, i;
	int c, n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': snprintf(name, sizeof(name), "%s", optarg); break;
		case 'c': category = optarg; break;
		case 'o': outpath = optarg; break;
		case 'h':
			printf("usage: pinglab import FILE.pcap|FILE.pcapng [--name NAME] [--category C] [--out FILE.scn]\n");
			return PL_EXIT_OK;
		default:
			return PL_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: pinglab import FILE.pcap|FILE.pcapng [--name NAME] [--category C] [--out FILE.scn]\n");
		return PL_EXIT_ERROR;
	}
	if (!name[0]) {
		/* scenario name from the file name: lowercase, [a-z0-9-] */
		snprintf(base, sizeof(base), "%s", argv[optind]);
		snprintf(name, sizeof(name), "%s", basename(base));
		for (i = 0; name[i]; i++) {
			if (name[i] == '.') {
				name[i] = '\0';
				break;
			}
			name[i] = isalnum((unsigned char)name[i]) ? (char)tolower((unsigned char)name[i]) : '-';
		}
		if (!name[0] || !isalnum((unsigned char)name[0]))
			snprintf(name, sizeof(name), "imported");
	}
	if (pl_cap_read_file(argv[optind], &cap, &err)) {
		fprintf(stderr, "pinglab import: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	/* write to memory first, and parse it back: only a valid scenario leaves here */
	out = open_memstream(&text, &tlen);
	n = out ? pl_import_write(out, &cap, name, category, argv[optind], &err) : -ENOMEM;
	if (out)
		fclose(out);
	pl_cap_free(&cap);
	if (n < 0 || pl_scn_parse_text(&check, outpath ? outpath : "import.scn", text, tlen, &err)) {
		fprintf(stderr, "pinglab import: %s\n", err.msg);
		free(text);
		return PL_EXIT_ERROR;
	}
	pl_scn_set_free(&check);
	if (outpath) {
		out = fopen(outpath, "wx");
		if (!out) {
			fprintf(stderr, "pinglab import: %s: %s%s\n", outpath, strerror(errno),
				errno == EEXIST ? " (not overwritten)" : "");
			free(text);
			return PL_EXIT_ERROR;
		}
	} else {
		out = stdout;
	}
	fwrite(text, 1, tlen, out);
	if (out != stdout)
		fclose(out);
	free(text);
	if (outpath)
		fprintf(stderr, "pinglab import: %d scenario%s written to %s\n", n, n == 1 ? "" : "s", outpath);
	return PL_EXIT_OK;
}
