/* pinglab import FILE.pcap [--name NAME] [--category C] [--out FILE] */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/commands.h"
#include "scenario/import.h"
#include "scenario/scenario.h"

/* the temporary file being written, removed if a signal ends the import */
static char tmp_path[4096 + 32];

static void on_signal(int sig)
{
	if (tmp_path[0])
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' }, { "category", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *category = "valid", *outpath = NULL;
	char name[64] = "", base[256];
	struct pl_err err = { "" };
	struct pl_scn_lib *check = NULL;
	FILE *out;
	char tmp[4096 + 32];
	size_t i;
	int c, n, fd;

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
	/* written to a file beside the output (or in TMPDIR for stdout) and loaded back:
	 * only a valid scenario file leaves here, under its name only once it is whole */
	if (outpath) {
		snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", outpath);
	} else {
		const char *dir = getenv("TMPDIR");

		snprintf(tmp, sizeof(tmp), "%s/pinglab-import-XXXXXX", dir && dir[0] ? dir : "/tmp");
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	fd = mkstemp(tmp);
	if (fd >= 0)
		memcpy(tmp_path, tmp, sizeof(tmp_path));
	if (fd >= 0) {
		/* mkstemp makes it 0600: the scenario file gets the mode fopen would give it */
		mode_t um = umask(0);

		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		fprintf(stderr, "pinglab import: %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		return PL_EXIT_ERROR;
	}
	n = pl_import_file(out, argv[optind], name, category, argv[optind], &err);
	if (fclose(out) && n >= 0)
		n = pl_errf(&err, -EIO, "%s: %s", tmp, strerror(errno));
	if (n >= 0) {
		/* checked a scenario at a time, as check and run read it: flat memory */
		char *paths[1] = { tmp };

		if (pl_scn_lib_open(&check, paths, 1, PL_STACK_ECHO, NULL, NULL, &err))
			n = -EINVAL;
		pl_scn_lib_free(check);
	}
	if (n < 0) {
		fprintf(stderr, "pinglab import: %s\n", err.msg);
		unlink(tmp);
		return PL_EXIT_ERROR;
	}
	if (outpath) {
		/* link, not rename: an existing file is not overwritten */
		if (link(tmp, outpath)) {
			fprintf(stderr, "pinglab import: %s: %s%s\n", outpath, strerror(errno),
				errno == EEXIST ? " (not overwritten)" : "");
			unlink(tmp);
			return PL_EXIT_ERROR;
		}
		unlink(tmp);
	} else {
		FILE *in = fopen(tmp, "r");
		char buf[65536];
		size_t k;

		unlink(tmp);
		if (!in) {
			fprintf(stderr, "pinglab import: %s: %s\n", tmp, strerror(errno));
			return PL_EXIT_ERROR;
		}
		while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, k, stdout) != k)
				break;
		fclose(in);
		if (fflush(stdout)) {
			fprintf(stderr, "pinglab import: stdout: %s\n", strerror(errno));
			return PL_EXIT_ERROR;
		}
	}
	if (outpath)
		fprintf(stderr, "pinglab import: %d scenario%s written to %s\n", n, n == 1 ? "" : "s", outpath);
	return PL_EXIT_OK;
}
