/* pinglab-gen in a real lab (wire mode): the kernel target and the reference responder
 * side by side; every packet judged, and every packet sent to the responder arrives on
 * tun0 byte for byte. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlab/lab.h"
#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(gen, .fini = lt_cleanup);

Test(gen, kernel_and_reference_side_by_side, .timeout = 60)
{
	char name[9], rsp_ns[64], gen_if[32], log[] = "/tmp/pl-gen-XXXXXX", rlog[] = "/tmp/pl-rsp-XXXXXX";
	struct lt_run r;
	struct pl_err err;
	pid_t rsp;
	int fd;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned per_target[2] = { 0, 0 }, delivered = 0;

	LT_NEED_LAB();
	lt_name(name, "g");
	lt_pinglab(&r, NULL, "up", "--name", name, NULL);
	cr_assert_eq(r.status, 0, "up: %s", r.err);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	fd = mkstemp(log);
	close(fd);
	fd = mkstemp(rlog);
	close(fd);
	{
		const char *argv[] = { tu_bin("pinglab-responder"), "--backend", "reference", "--netns", rsp_ns,
				       "--log", rlog, NULL };

		rsp = lt_spawn(argv, NULL);
	}
	cr_assert_eq(pl_lab_add_pid(name, rsp, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_tun_wait_ready(name, 5000, &err), 0, "%s", err.msg);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "kernel:kernel", "--target", "reference:responder",
				       "--tun-netns", rsp_ns, "--out", log, "--max-wait", "300",
				       tu_src("tests/fixtures/scenarios"), NULL };

		lt_run(&r, argv, NULL);
	}
	kill(rsp, SIGTERM);
	waitpid(rsp, NULL, 0);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s\n%s", r.status, r.out, r.err);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		const char *target, *verdict;
		int resp;

		cr_assert_not_null(o, "bad JSON line: %s", line);
		target = cJSON_GetObjectItem(o, "target")->valuestring;
		verdict = cJSON_GetObjectItem(o, "verdict")->valuestring;
		resp = !strcmp(target, "reference");
		per_target[resp]++;
		cr_expect_str_eq(verdict, "pass", "%s [%s]: %s", cJSON_GetObjectItem(o, "scenario")->valuestring,
				 target, line);
		if (resp) {
			/* wire mode: the responder saw exactly the bytes that were sent */
			cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered")), "not delivered byte-exact: %s", line);
			delivered += cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered"));
		}
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(per_target[0], 10, "kernel records");
	cr_expect_eq(per_target[1], 10, "reference records");
	cr_expect_eq(delivered, 10);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	cr_expect_eq(r.status, 0, "down: %s", r.err);
	unlink(log);
	unlink(rlog);
}

Test(gen, every_malformed_library_packet_reaches_tun0_byte_exact, .timeout = 120)
{
	char name[9], rsp_ns[64], gen_if[32], log[] = "/tmp/pl-genm-XXXXXX";
	struct lt_run r;
	struct pl_err err;
	pid_t rsp;
	int fd;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned records = 0, delivered = 0;

	LT_NEED_LAB();
	lt_name(name, "m");
	lt_pinglab(&r, NULL, "up", "--name", name, NULL);
	cr_assert_eq(r.status, 0, "up: %s", r.err);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	fd = mkstemp(log);
	close(fd);
	{
		const char *argv[] = { tu_bin("pinglab-responder"), "--backend", "reference", "--netns", rsp_ns, NULL };

		rsp = lt_spawn(argv, NULL);
	}
	cr_assert_eq(pl_lab_add_pid(name, rsp, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_tun_wait_ready(name, 5000, &err), 0, "%s", err.msg);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "reference:responder", "--tun-netns", rsp_ns,
				       "--out", log, "--max-wait", "150", tu_src("scenarios/malformed"), NULL };

		lt_run(&r, argv, NULL);
	}
	kill(rsp, SIGTERM);
	waitpid(rsp, NULL, 0);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s", r.status, r.err);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		bool d = cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered"));

		records++;
		delivered += d;
		cr_expect(d, "not delivered to tun0 byte for byte: %s", line);
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_gt(records, 40, "only %u packets played", records);
	cr_expect_eq(delivered, records);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(log);
}
