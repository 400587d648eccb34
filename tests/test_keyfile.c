/* pl_key_file_read: only a regular file of the caller, mode 0600/0400, is read; every
 * refusal names the file and the reason, never the key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/keyfile.h"

static char dir[] = "/tmp/pl-keyf-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(keyfile, .init = setup, .fini = teardown);

static const char *make_key(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

Test(keyfile, first_line_of_a_0600_file)
{
	struct pl_err err = { "" };
	char *k = pl_key_file_read(make_key("k", "sk-test-123\r\nsecond line\n", 0600), &err);

	cr_assert_not_null(k, "%s", err.msg);
	cr_expect_str_eq(k, "sk-test-123");
	free(k);
	k = pl_key_file_read(make_key("ro", "sk-ro", 0400), &err);
	cr_assert_not_null(k, "%s", err.msg);
	cr_expect_str_eq(k, "sk-ro");
	free(k);
}

Test(keyfile, refusals_name_the_file_and_the_reason)
{
	struct pl_err err = { "" };
	const char *p;
	char want[256], link[160];

	p = make_key("g", "sk-secret-g", 0640);
	cr_expect_null(pl_key_file_read(p, &err));
	snprintf(want, sizeof(want), "key file %s: mode 0640 lets others read it; chmod 600 %s", p, p);
	cr_expect_str_eq(err.msg, want);

	p = make_key("e", "", 0600);
	cr_expect_null(pl_key_file_read(p, &err));
	snprintf(want, sizeof(want), "key file %s: empty", p);
	cr_expect_str_eq(err.msg, want);

	p = make_key("nl", "\nsk-on-line-two\n", 0600);
	cr_expect_null(pl_key_file_read(p, &err));
	snprintf(want, sizeof(want), "key file %s: the first line is empty", p);
	cr_expect_str_eq(err.msg, want);

	p = make_key("target", "sk-secret-t", 0600);
	snprintf(link, sizeof(link), "%s/link", dir);
	cr_assert_eq(symlink(p, link), 0);
	cr_expect_null(pl_key_file_read(link, &err));
	snprintf(want, sizeof(want), "key file %s: is a symbolic link", link);
	cr_expect_str_eq(err.msg, want);

	cr_expect_null(pl_key_file_read(dir, &err));
	snprintf(want, sizeof(want), "key file %s: not a regular file", dir);
	cr_expect_str_eq(err.msg, want);

	snprintf(link, sizeof(link), "%s/missing", dir);
	cr_expect_null(pl_key_file_read(link, &err));
	snprintf(want, sizeof(want), "key file %s: No such file or directory", link);
	cr_expect_str_eq(err.msg, want);
	cr_expect(!strstr(err.msg, "sk-"));
}

Test(keyfile, another_users_file_is_refused)
{
	struct pl_err err = { "" };
	const char *p = make_key("o", "sk-secret-o", 0600);
	char want[256];

	if (geteuid() != 0)
		cr_skip("needs root to give the file to another uid");
	cr_assert_eq(chown(p, 65534, 65534), 0);
	cr_expect_null(pl_key_file_read(p, &err));
	snprintf(want, sizeof(want), "key file %s: owned by uid 65534, not by uid 0", p);
	cr_expect_str_eq(err.msg, want);
}
