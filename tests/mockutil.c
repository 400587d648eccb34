#include "tests/mockutil.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "packet/hex.h"
#include "packet/ipv4.h"
#include "tests/util.h"

static const char *bin(void)
{
	static char path[4096];
	const char *b = getenv("PINGLAB_BUILD");

	snprintf(path, sizeof(path), "%s/pinglab-mockllm", b && *b ? b : "build");
	return path;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void curl_once(void)
{
	static bool done;

	if (!done)
		curl_global_init(CURL_GLOBAL_ALL);
	done = true;
}

void tm_start(struct tm_server *s, const char *profile_text, const char *const *extra)
{
	const char *argv[32];
	char profile[128], line[64];
	int pfd[2], argc = 0, n = 0;
	pid_t parent = getpid();
	FILE *f;
	double t0;

	curl_once();
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/pl-mock-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir), "mkdtemp: %s", strerror(errno));
	snprintf(profile, sizeof(profile), "%s/profile", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/log", s->dir);
	snprintf(s->errfile, sizeof(s->errfile), "%s/stderr", s->dir);
	f = fopen(profile, "w");
	cr_assert_not_null(f);
	fputs(profile_text, f);
	fclose(f);

	argv[argc++] = bin();
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--profile";
	argv[argc++] = profile;
	argv[argc++] = "--log";
	argv[argc++] = s->log;
	while (extra && *extra && argc < 30)
		argv[argc++] = *extra++;
	argv[argc] = NULL;

	cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	s->pid = fork();
	cr_assert_neq(s->pid, -1);
	if (s->pid == 0) {
		int e = open(s->errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(pfd[1], 1);
		if (e >= 0)
			dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	t0 = now();
	while (n < (int)sizeof(line) - 1 && now() - t0 < 5) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(pfd[0], line + n, 1);
		if (r <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(pfd[0]);
	if (strncmp(line, "http://127.", 11)) {
		char *err = tu_slurp(s->errfile, NULL), msg[1024];

		snprintf(msg, sizeof(msg), "%s", err ? err : "?");
		free(err);
		tm_stop(s);
		cr_assert_fail("pinglab-mockllm did not print its URL (got \"%s\"); stderr: %s", line, msg);
	}
	snprintf(s->url, sizeof(s->url), "%s", line);
}

void tm_stop(struct tm_server *s)
{
	char path[160];
	int status = 0;
	pid_t pid = s->pid;
	double t0 = now();

	if (pid <= 0)
		return;
	s->pid = 0;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now() - t0 > 5) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_expect_fail("pinglab-mockllm did not exit within 5 s of SIGTERM");
			break;
		}
		usleep(5000);
	}
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pinglab-mockllm exit status %#x", status);
	snprintf(path, sizeof(path), "%s/profile", s->dir);
	unlink(path);
	unlink(s->log);
	unlink(s->errfile);
	rmdir(s->dir);
}

int tm_run(const char *const *args, char **err_text)
{
	const char *argv[32];
	int pfd[2], argc = 0, status = 0;
	char *buf = NULL;
	size_t len = 0;
	pid_t pid;
	double t0 = now();

	argv[argc++] = bin();
	while (*args && argc < 31)
		argv[argc++] = *args++;
	argv[argc] = NULL;
	cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(dn, 1);
		dup2(pfd[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		char chunk[512];
		ssize_t r;

		if (now() - t0 > 5)
			break;
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(pfd[0], chunk, sizeof(chunk));
		if (r <= 0)
			break;
		buf = realloc(buf, len + (size_t)r + 1);
		memcpy(buf + len, chunk, (size_t)r);
		len += (size_t)r;
		buf[len] = '\0';
	}
	close(pfd[0]);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		usleep(200000);
		if (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			free(buf);
			cr_assert_fail("pinglab-mockllm %s did not exit", argv[1]);
		}
	}
	*err_text = buf ? buf : strdup("");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *tm_user_msg(const uint8_t *pkt, size_t len)
{
	static char msg[2 * 65536 + 64];
	int n = snprintf(msg, sizeof(msg), "Packet received (%zu bytes):\n", len);

	pl_hex_encode(pkt, len, msg + n, sizeof(msg) - (size_t)n - 1);
	strcat(msg, "\n");
	return msg;
}

const char *tm_model(enum tm_api api)
{
	return api == TM_ANTHROPIC ? "claude-haiku-4-5" : "gpt-4o-mini";
}

char *tm_body_x(enum tm_api api, const char *model, const char *system, const char *user, bool stream,
		const char *extra)
{
	cJSON *root = cJSON_CreateObject(), *msgs, *m, *x, *it;
	char *s;

	if (model)
		cJSON_AddStringToObject(root, "model", model);
	if (api == TM_ANTHROPIC) {
		cJSON_AddNumberToObject(root, "max_tokens", 2048);
		cJSON_AddStringToObject(root, "system", system);
	}
	msgs = cJSON_AddArrayToObject(root, "messages");
	if (api == TM_OPENAI) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", system);
		cJSON_AddItemToArray(msgs, m);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user);
	cJSON_AddItemToArray(msgs, m);
	if (stream)
		cJSON_AddTrueToObject(root, "stream");
	if (extra) {
		x = cJSON_Parse(extra);
		cr_assert(cJSON_IsObject(x), "bad extra JSON: %s", extra);
		while ((it = x->child)) {
			cJSON_DetachItemViaPointer(x, it);
			cJSON_DeleteItemFromObjectCaseSensitive(root, it->string);
			if (cJSON_IsNull(it))
				cJSON_Delete(it);
			else
				cJSON_AddItemToObject(root, it->string, it);
		}
		cJSON_Delete(x);
	}
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	cr_assert_not_null(s);
	return s;
}

char *tm_body(enum tm_api api, const char *system, const char *user, bool stream)
{
	return tm_body_x(api, tm_model(api), system, user, stream, NULL);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct tm_resp *r = ud;

	r->body = realloc(r->body, r->len + size * n + 1);
	memcpy(r->body + r->len, p, size * n);
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct tm_resp *r = ud;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(p, "retry-after:", 12)) {
		r->has_retry_after = true;
		snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)(len - 12), p + 12);
		r->retry_after[strcspn(r->retry_after, "\r\n")] = '\0';
	}
	if ((len > 11 && !strncasecmp(p, "request-id:", 11)) || (len > 13 && !strncasecmp(p, "x-request-id:", 13))) {
		const char *v = strchr(p, ':') + 1;

		while (*v == ' ')
			v++;
		snprintf(r->request_id, sizeof(r->request_id), "%.*s", (int)(len - (size_t)(v - p)), v);
		r->request_id[strcspn(r->request_id, "\r\n")] = '\0';
	}
	return len;
}

static void perform(CURL *c, struct tm_resp *r)
{
	double t0 = now();

	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	r->curl_code = curl_easy_perform(c);
	r->secs = now() - t0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (!r->body)
		r->body = strdup("");
}

void tm_post_headers(const char *url, const char *path, const char *body, const char *const *headers,
		     struct tm_resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char full[256];

	memset(r, 0, sizeof(*r));
	snprintf(full, sizeof(full), "%s%s", url, path);
	h = curl_slist_append(h, "content-type: application/json");
	h = curl_slist_append(h, "Expect:");
	while (headers && *headers)
		h = curl_slist_append(h, *headers++);
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	perform(c, r);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

void tm_post(const char *url, const char *path, const char *body, bool auth, long timeout_ms,
	     struct tm_resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char full[256];

	memset(r, 0, sizeof(*r));
	snprintf(full, sizeof(full), "%s%s", url, path);
	h = curl_slist_append(h, "content-type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (auth && strstr(path, "/chat/completions")) {
		h = curl_slist_append(h, "Authorization: Bearer test-key-not-secret");
	} else if (auth) {
		h = curl_slist_append(h, "x-api-key: test-key-not-secret");
		h = curl_slist_append(h, "anthropic-version: 2023-06-01");
	}
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 10000L);
	perform(c, r);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

void tm_get(const char *url, const char *path, struct tm_resp *r)
{
	CURL *c = curl_easy_init();
	char full[256];

	memset(r, 0, sizeof(*r));
	snprintf(full, sizeof(full), "%s%s", url, path);
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	perform(c, r);
	curl_easy_cleanup(c);
}

void tm_resp_free(struct tm_resp *r)
{
	free(r->body);
	r->body = NULL;
}

char *tm_text(enum tm_api api, const struct tm_resp *r)
{
	cJSON *root = cJSON_Parse(r->body), *t;
	char *s;

	cr_assert_not_null(root, "response is not JSON: %s", r->body);
	if (api == TM_ANTHROPIC)
		t = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "content"), 0), "text");
	else
		t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "choices"), 0),
							     "message"), "content");
	cr_assert(cJSON_IsString(t), "no answer text in %s", r->body);
	s = strdup(t->valuestring);
	cJSON_Delete(root);
	return s;
}

char *tm_ask(const struct tm_server *s, enum tm_api api, const uint8_t *pkt, size_t len, bool stream)
{
	char *body = tm_body(api, "You are the IPv4 stack of 10.77.2.2.", tm_user_msg(pkt, len), stream);
	struct tm_resp r;
	char *text;

	tm_post(s->url, api == TM_ANTHROPIC ? "/v1/messages" : "/v1/chat/completions", body, true, 0, &r);
	free(body);
	cr_assert_eq(r.curl_code, CURLE_OK, "curl: %s", curl_easy_strerror(r.curl_code));
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	text = stream ? tm_sse_text(api, r.body, NULL, 0) : tm_text(api, &r);
	tm_resp_free(&r);
	return text;
}

char *tm_sse_text(enum tm_api api, const char *body, char *events, size_t evsz)
{
	char *copy = strdup(body), *save = NULL, *line, *text = calloc(1, 1);
	size_t tl = 0;

	if (events && evsz)
		events[0] = '\0';
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *d, *t = NULL;

		if (!strncmp(line, "event: ", 7) && events) {
			size_t el = strlen(events);

			snprintf(events + el, evsz - el, "%s%s", el ? " " : "", line + 7);
			continue;
		}
		if (strncmp(line, "data: ", 6))
			continue;
		if (!strcmp(line + 6, "[DONE]")) {
			if (events) {
				size_t el = strlen(events);

				snprintf(events + el, evsz - el, "%s[DONE]", el ? " " : "");
			}
			continue;
		}
		d = cJSON_Parse(line + 6);
		cr_assert_not_null(d, "bad SSE data line: %s", line);
		if (api == TM_ANTHROPIC) {
			const cJSON *type = cJSON_GetObjectItem(d, "type");

			if (cJSON_IsString(type) && !strcmp(type->valuestring, "content_block_delta"))
				t = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "delta"), "text");
		} else {
			t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "choices"), 0),
								     "delta"), "content");
		}
		if (cJSON_IsString(t)) {
			size_t n = strlen(t->valuestring);

			text = realloc(text, tl + n + 1);
			memcpy(text + tl, t->valuestring, n + 1);
			tl += n;
		}
		cJSON_Delete(d);
	}
	free(copy);
	return text;
}

size_t tm_echo(uint8_t *out, uint16_t seq, const char *payload)
{
	size_t pl = strlen(payload), n = 28 + pl;
	static const uint8_t hdr[28] = {
		0x45, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
		10, 77, 1, 2, 10, 77, 2, 2,
		0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00,
	};

	memcpy(out, hdr, 28);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	out[26] = (uint8_t)(seq >> 8);
	out[27] = (uint8_t)seq;
	memcpy(out + 28, payload, pl);
	pl_icmp_fill_csum(out + 20, n - 20);
	pl_ipv4_fill_csum(out, 20);
	return n;
}

char *tm_log(const struct tm_server *s)
{
	char *t = tu_slurp(s->log, NULL);

	cr_assert_not_null(t, "no log at %s", s->log);
	return t;
}

void tm_file(char *out, const char *text)
{
	int fd;
	FILE *f;

	snprintf(out, 64, "/tmp/pl-mock-file-XXXXXX");
	fd = mkstemp(out);
	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(out, 0600), 0);
}
