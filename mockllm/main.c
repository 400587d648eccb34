/* pinglab-mockllm — a local simulated model server speaking the Anthropic Messages and
 * OpenAI chat-completions APIs, so the lab runs with no key and no network.
 *
 *   pinglab-mockllm [--listen 127.0.0.1:PORT] [--profile NAME|FILE] [--seed N]
 *                   [--scale F] [--log FILE] [--key-file FILE] [--models FILE]
 *
 * Prints its URL (the address and port bound) on stdout once listening, runs until SIGTERM or SIGINT, exits 0.
 * Exit 2 on a usage error, a bad profile, a non-loopback --listen address, or no model
 * table (unless the profile says models = any).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keyfile.h"
#include "mockllm/log.h"
#include "mockllm/profile.h"
#include "mockllm/server.h"
#include "model/table.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: pinglab-mockllm [--listen 127.0.0.1:PORT] [--profile NAME|FILE] [--seed N]\n"
		   "                       [--scale F] [--log FILE] [--key-file FILE] [--models FILE]\n"
		   "  --listen   loopback address and port (default 127.0.0.1:0 = any free port)\n"
		   "  --profile  behaviour profile: a name in mockllm/profiles/ (or $PINGLAB_PROFILES),\n"
		   "             or a file path containing '/' (default sim-perfect)\n"
		   "  --seed     seed of every random choice (default 1)\n"
		   "  --scale    multiplies every simulated delay except stall_ms (default 1, 0 = none)\n"
		   "  --log      append one JSON line per request to FILE\n"
		   "  --key-file accept only the API key in FILE (mode 0600); others get 401\n"
		   "  --models   the model table (default: the newest model/models-*.tsv found from the\n"
		   "             binary's directory, or $PINGLAB_MODELS)\n");
}

/* "127.0.0.1:PORT", "localhost:PORT" or ":PORT"; only 127.0.0.0/8. */
static int parse_listen(const char *arg, struct sockaddr_in *sa, struct pl_err *err)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	char *end;
	unsigned long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon || (size_t)(colon - arg) >= sizeof(host))
		return pl_errf(err, -EINVAL, "--listen %s: expected ADDRESS:PORT, e.g. 127.0.0.1:0", arg);
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535)
		return pl_errf(err, -EINVAL, "--listen %s: bad port \"%s\"", arg, colon + 1);
	sa->sin_port = htons((uint16_t)port);
	if (!host[0] || !strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (host[0] == '[' || strchr(host, ':'))
		return pl_errf(err, -EINVAL, "--listen %s: IPv6 is not supported; use 127.0.0.1", arg);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return pl_errf(err, -EINVAL, "--listen %s: \"%s\" is not an IPv4 address", arg, host);
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		return pl_errf(err, -EPERM, "--listen %s: refusing to listen on a non-loopback address "
			       "(the simulated model serves 127.0.0.0/8 only)", arg);
	return 0;
}

/* Directory of the running executable, for profile names. */
static void exe_dir(char *out, size_t outsz)
{
	ssize_t n = readlink("/proc/self/exe", out, outsz - 1);
	char *slash;

	if (n <= 0) {
		snprintf(out, outsz, ".");
		return;
	}
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "profile", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "scale", required_argument, NULL, 'x' },
		{ "log", required_argument, NULL, 'g' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "models", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = "127.0.0.1:0", *profile_arg = "sim-perfect", *log_path = NULL, *key_path = NULL;
	const char *models_arg = NULL;
	struct pl_mtab table = { 0 };
	char models[PATH_MAX];
	struct mock_server srv;
	struct mock_profile prof;
	struct mock_log log;
	struct pl_err err = { "" };
	char dir[PATH_MAX], path[PATH_MAX + 64], *end, *key = NULL;
	sigset_t sigs;
	int opt, sig;

	memset(&srv, 0, sizeof(srv));
	srv.seed = 1;
	srv.scale = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'p':
			profile_arg = optarg;
			break;
		case 's':
			errno = 0;
			srv.seed = strtoull(optarg, &end, 0);
			if (!*optarg || *end || errno) {
				fprintf(stderr, "pinglab-mockllm: --seed %s: expected an unsigned integer\n", optarg);
				return 2;
			}
			break;
		case 'x':
			errno = 0;
			srv.scale = strtod(optarg, &end);
			if (!*optarg || *end || errno || !isfinite(srv.scale) || srv.scale < 0 || srv.scale > 1000) {
				fprintf(stderr, "pinglab-mockllm: --scale %s: expected a number from 0 to 1000\n", optarg);
				return 2;
			}
			break;
		case 'g':
			log_path = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'm':
			models_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinglab-mockllm: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (parse_listen(listen_arg, &srv.addr, &err)) {
		fprintf(stderr, "pinglab-mockllm: %s\n", err.msg);
		return 2;
	}
	exe_dir(dir, sizeof(dir));
	if (mock_profile_resolve(profile_arg, dir, path, sizeof(path), &err) ||
	    mock_profile_load(path, &prof, &err)) {
		fprintf(stderr, "pinglab-mockllm: %s\n", err.msg);
		return 2;
	}
	srv.profile = &prof;
	/* the model table says what each model refuses; a local server (models = any)
	 * needs none, but a table asked for by name is read (and must be good) all the same */
	models[0] = '\0';
	if (models_arg)
		snprintf(models, sizeof(models), "%s", models_arg);
	else if (prof.models == MOCK_MODELS_TABLE && pl_mtab_locate(dir, models, sizeof(models))) {
		fprintf(stderr, "pinglab-mockllm: no model table: no model/models-*.tsv found from %s (give --models "
			"FILE, or set PINGLAB_MODELS; a profile with models = any needs none)\n", dir);
		return 2;
	}
	if (models[0] && pl_mtab_load(models, &table, &err)) {
		fprintf(stderr, "pinglab-mockllm: --models: %s\n", err.msg);
		return 2;
	}
	srv.table = prof.models == MOCK_MODELS_TABLE ? &table : NULL;
	if (mock_log_open(&log, log_path, &err)) {
		fprintf(stderr, "pinglab-mockllm: %s\n", err.msg);
		pl_mtab_free(&table);
		return 2;
	}
	srv.log = &log;
	if (key_path && !(key = pl_key_file_read(key_path, &err))) {
		fprintf(stderr, "pinglab-mockllm: %s\n", err.msg);
		mock_log_close(&log);
		pl_mtab_free(&table);
		return 2;
	}
	srv.key = key;

	/* Block the signals before any thread exists, so every thread inherits the mask and
	 * only sigwait below receives them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mock_server_start(&srv, &err)) {
		fprintf(stderr, "pinglab-mockllm: %s\n", err.msg);
		mock_log_close(&log);
		pl_mtab_free(&table);
		free(key);
		return 2;
	}
	{
		/* the address actually bound: --listen 127.0.0.2:0 is http://127.0.0.2:PORT */
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &srv.addr.sin_addr, ip, sizeof(ip));
		printf("http://%s:%u\n", ip, srv.port);
		fflush(stdout);
	}
	fprintf(stderr, "pinglab-mockllm: profile %s (%s), seed %llu, scale %g, models %s%s%s%s (simulated model)\n",
		prof.name, path, (unsigned long long)srv.seed, srv.scale,
		prof.models == MOCK_MODELS_ANY ? "any" : models, table.as_of[0] ? " as of " : "", table.as_of,
		prof.server == MOCK_SERVER_LLAMACPP ? ", a llama.cpp server" : "");

	while (sigwait(&sigs, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	mock_server_stop(&srv);
	mock_log_close(&log);
	pl_mtab_free(&table);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	return 0;
}
