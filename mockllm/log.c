#include "mockllm/log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "packet/hex.h"

int mock_log_open(struct mock_log *log, const char *path, struct pl_err *err)
{
	memset(log, 0, sizeof(*log));
	pthread_mutex_init(&log->lock, NULL);
	if (!path)
		return 0;
	log->f = fopen(path, "a");
	if (!log->f)
		return pl_errf(err, -errno, "--log %s: %s", path, strerror(errno));
	return 0;
}

void mock_log_close(struct mock_log *log)
{
	if (log->f)
		fclose(log->f);
	log->f = NULL;
	pthread_mutex_destroy(&log->lock);
}

static void add_hex(cJSON *o, const char *key, const uint8_t *b, size_t n)
{
	char *hex = malloc(2 * n + 1);

	if (hex && pl_hex_encode(b, n, hex, 2 * n + 1) == 2 * n)
		cJSON_AddStringToObject(o, key, hex);
	else
		cJSON_AddNullToObject(o, key);
	free(hex);
}

void mock_log_write(struct mock_log *log, const struct mock_log_rec *r)
{
	const struct mock_plan *p = r->plan;
	struct timespec ts;
	struct tm tm;
	char when[64], *line;
	cJSON *o;

	if (!log->f)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06ldZ", ts.tv_nsec / 1000);

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "seq", (double)r->seq);
	cJSON_AddStringToObject(o, "method", r->method);
	cJSON_AddStringToObject(o, "path", r->path);
	if (r->format)
		cJSON_AddStringToObject(o, "format", r->format);
	else
		cJSON_AddNullToObject(o, "format");
	cJSON_AddBoolToObject(o, "stream", r->stream);
	cJSON_AddNumberToObject(o, "status", r->status);
	if (r->error)
		cJSON_AddStringToObject(o, "error", r->error);
	if (r->request_id)
		cJSON_AddStringToObject(o, "request_id", r->request_id);
	if (r->model)
		cJSON_AddStringToObject(o, "model", r->model);
	if (r->pkt)
		add_hex(o, "packet", r->pkt, r->pkt_len);
	else
		cJSON_AddNullToObject(o, "packet");
	if (p && p->have_packet) {
		cJSON_AddNumberToObject(o, "attempt", p->attempt);
		cJSON_AddStringToObject(o, "decision", p->decision.action == PL_ACTION_REPLY ? "reply" : "drop");
		cJSON_AddStringToObject(o, "rule", p->decision.rule ? p->decision.rule->id : "?");
	} else {
		cJSON_AddNullToObject(o, "decision");
	}
	if (p) {
		const char *kind = p->fault ? "fault" : p->mistake ? "mistake" : "none";

		cJSON_AddStringToObject(o, "injected", p->fault ? mock_fault_name(p->fault)
								: mock_mistake_name(p->mistake));
		cJSON_AddStringToObject(o, "kind", kind);
		if (p->answer == MOCK_ANSWER_PACKET)
			add_hex(o, "answer", p->answer_pkt, p->answer_len);
		else
			cJSON_AddStringToObject(o, "answer", p->answer == MOCK_ANSWER_DROP ? "drop" : "none");
		cJSON_AddNumberToObject(o, "text_len", (double)p->text_len);
		cJSON_AddStringToObject(o, "id", p->id);
		if (r->usage) {
			cJSON_AddStringToObject(o, "stop", p->stop == MOCK_STOP_MAX_TOKENS ? "max_tokens"
							   : p->stop == MOCK_STOP_REFUSAL ? "refusal" : "end");
			cJSON_AddNumberToObject(o, "thinking_tokens", p->thinking_tokens);
		}
	} else {
		cJSON_AddStringToObject(o, "injected", "none");
		cJSON_AddStringToObject(o, "kind", "none");
	}
	if (r->usage) {
		cJSON_AddNumberToObject(o, "input_tokens", r->usage->input);
		cJSON_AddNumberToObject(o, "output_tokens", r->usage->output);
		cJSON_AddNumberToObject(o, "cache_creation_input_tokens", r->usage->cache_write);
		cJSON_AddNumberToObject(o, "cache_read_input_tokens", r->usage->cache_read);
	}
	cJSON_AddNumberToObject(o, "delay_ms", (double)(long long)(r->delay_ms * 1000.0) / 1000.0);
	line = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!line)
		return;
	pthread_mutex_lock(&log->lock);
	fputs(line, log->f);
	fputc('\n', log->f);
	fflush(log->f);
	pthread_mutex_unlock(&log->lock);
	free(line);
}
