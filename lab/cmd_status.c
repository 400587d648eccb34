/* cmd_status.c — pinglab status: live labs, their resources and health. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/commands.h"
#include "netlab/lab.h"

struct status_ctx {
	int labs;
	int unhealthy;
};

static void age_str(long long created, char *buf, size_t len)
{
	long long s = created ? (long long)time(NULL) - created : -1;

	if (s < 0)
		snprintf(buf, len, "?");
	else if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%lldh", s / 3600);
}

static int show_lab(void *arg, const char *name)
{
	struct status_ctx *ctx = arg;
	struct pl_lab_health h;
	struct pl_err err = { "" };
	struct pl_lab lab;
	char age[24];
	bool have = pl_lab_load(name, &lab, NULL) == 0;

	if (pl_lab_health(name, &h, &err) < 0) {
		printf("%-9s %-7s %-6s %-9s %s\n", name, "?", "?", "error", err.msg);
		ctx->labs++;
		ctx->unhealthy++;
		return 0;
	}
	age_str(have ? lab.created : 0, age, sizeof(age));
	printf("%-9s %-7s %-6s %-9s ", name, have ? pl_lab_mode_str(lab.mode) : "?", age,
	       h.ok ? "ok" : "DEGRADED");
	printf("ns %s/%s, veth %s/%s, tun0 %s", h.gen_ns ? "yes" : "NO", h.rsp_ns ? "yes" : "NO",
	       h.gen_dev_up ? "up" : "DOWN", h.rsp_dev_up ? "up" : "DOWN",
	       !h.tun_present ? "MISSING" : !h.tun_up ? "DOWN" :
	       h.tun_carrier ? "up (attached)" : "up (no reader)");
	if (!have || lab.mode == PL_LAB_WIRE)
		printf(", tc %s %d filters", h.ingress ? "ingress" : "NO ingress", h.filters);
	printf(", pids %d/%d alive", h.pids_alive, h.pids);
	if (h.problems[0])
		printf(" [%s]", h.problems);
	printf("\n");
	ctx->labs++;
	ctx->unhealthy += !h.ok;
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct status_ctx ctx = { 0, 0 };
	struct pl_err err = { "" };
	int rc;

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			printf("Usage: pinglab status   (exit 0: every lab healthy, 2: some not)\n");
			return PL_EXIT_OK;
		}
		fprintf(stderr, "pinglab status: unexpected argument '%s'\n", argv[1]);
		return PL_EXIT_ERROR;
	}
	rc = cli_require_lab_privileges("status", false);
	if (rc != PL_EXIT_OK)
		return rc;
	printf("%-9s %-7s %-6s %-9s %s\n", "LAB", "MODE", "AGE", "HEALTH", "DETAILS");
	if (pl_lab_list(show_lab, &ctx, &err) < 0) {
		fprintf(stderr, "pinglab status: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	if (!ctx.labs)
		printf("(no labs)\n");
	return ctx.unhealthy ? PL_EXIT_ERROR : PL_EXIT_OK;
}
