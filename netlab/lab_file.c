/* lab_file.c — the run file /run/pinglab/NAME.json (cJSON), written atomically.
 *
 * {
 *   "schema": "pinglab.lab/1", "name": "x", "mode": "wire",
 *   "created": "2025-01-01T12:00:00Z", "created_unix": 1735732800, "controller_pid": 42,
 *   "controller_start": 4567,                  (0 / 0: no controller, kept until down)
 *   "gen": { "netns": "pl-x-gen", "dev": "pl-x-g", "addr": "10.77.1.2/24", "mac": "..",
 *            "routes": [ { "dst": "10.77.2.0/24", "via": "10.77.1.1" } ] },
 *   "rsp": { "netns": "pl-x-rsp", "dev": "pl-x-r", "addr": "10.77.1.1/24", "mac": "..",
 *            "tun": "tun0", "tun_addr": "10.77.2.1/24", "responder_addr": "10.77.2.2",
 *            "ip_forward": 1 },
 *   "resources": [ { "kind": "netns", "netns": "pl-x-gen", "name": "pl-x-gen",
 *                    "what": "namespace pl-x-gen" }, ... ],     (creation order)
 *   "pids": [ { "pid": 123, "start": 4567, "role": "responder" } ]
 * }
 */
#include "netlab/lab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "netlab/netns.h"

#define RUNFILE_SCHEMA "pinglab.lab/1"

static const char *const kind_names[] = {
	[PL_RES_NETNS] = "netns",
	[PL_RES_LINK] = "link",
	[PL_RES_QDISC] = "qdisc",
	[PL_RES_FILTER] = "filter",
};

static int kind_parse(const char *s, enum pl_res_kind *kind)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (s && kind_names[i] && !strcmp(s, kind_names[i])) {
			*kind = (enum pl_res_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* cJSON's Add* return NULL on allocation failure (and accept a NULL parent): note it. */
static void add_str(cJSON *obj, const char *key, const char *val, bool *ok)
{
	if (!cJSON_AddStringToObject(obj, key, val))
		*ok = false;
}

static void add_num(cJSON *obj, const char *key, double val, bool *ok)
{
	if (!cJSON_AddNumberToObject(obj, key, val))
		*ok = false;
}

static cJSON *lab_to_json(const struct pl_lab *lab)
{
	const struct pl_lab_names *n = &lab->names;
	cJSON *root, *gen, *rsp, *arr, *item;
	char when[32];
	time_t t = (time_t)lab->created;
	struct tm tm;
	bool ok = true;

	root = cJSON_CreateObject();
	if (!root)
		return NULL;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	add_str(root, "schema", RUNFILE_SCHEMA, &ok);
	add_str(root, "name", n->name, &ok);
	add_str(root, "mode", pl_lab_mode_str(lab->mode), &ok);
	add_str(root, "created", when, &ok);
	add_num(root, "created_unix", (double)lab->created, &ok);
	add_num(root, "controller_pid", (double)lab->controller, &ok);
	add_num(root, "controller_start", (double)lab->controller_start, &ok);

	gen = cJSON_AddObjectToObject(root, "gen");
	add_str(gen, "netns", n->gen_ns, &ok);
	add_str(gen, "dev", n->gen_dev, &ok);
	add_str(gen, "addr", PL_LAB_GEN_ADDR, &ok);
	add_str(gen, "mac", lab->gen_mac, &ok);
	arr = cJSON_AddArrayToObject(gen, "routes");
	item = cJSON_CreateObject();
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		ok = false;
	}
	add_str(item, "dst", PL_LAB_TUN_NET, &ok);
	add_str(item, "via", PL_LAB_KERNEL_IP, &ok);

	rsp = cJSON_AddObjectToObject(root, "rsp");
	add_str(rsp, "netns", n->rsp_ns, &ok);
	add_str(rsp, "dev", n->rsp_dev, &ok);
	add_str(rsp, "addr", PL_LAB_KERNEL_ADDR, &ok);
	add_str(rsp, "mac", lab->rsp_mac, &ok);
	add_str(rsp, "tun", n->tun_dev, &ok);
	add_str(rsp, "tun_addr", PL_LAB_TUN_ADDR, &ok);
	add_str(rsp, "responder_addr", PL_LAB_RESPONDER_IP, &ok);
	add_num(rsp, "ip_forward", 1, &ok);

	arr = cJSON_AddArrayToObject(root, "resources");
	for (int i = 0; i < lab->nres; i++) {
		const struct pl_res *r = &lab->res[i];

		item = cJSON_CreateObject();
		if (!cJSON_AddItemToArray(arr, item)) {
			cJSON_Delete(item);
			ok = false;
			continue;
		}
		add_str(item, "kind", kind_names[r->kind], &ok);
		add_str(item, "netns", r->netns, &ok);
		add_str(item, "name", r->name, &ok);
		if (r->kind == PL_RES_FILTER)
			add_num(item, "prio", r->prio, &ok);
		add_str(item, "what", r->what, &ok);
	}
	arr = cJSON_AddArrayToObject(root, "pids");
	for (int i = 0; i < lab->npids; i++) {
		item = cJSON_CreateObject();
		if (!cJSON_AddItemToArray(arr, item)) {
			cJSON_Delete(item);
			ok = false;
			continue;
		}
		add_num(item, "pid", lab->pids[i].pid, &ok);
		add_num(item, "start", (double)lab->pids[i].start, &ok);
		add_str(item, "role", lab->pids[i].role, &ok);
	}
	if (!ok || !gen || !rsp || !arr) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int pl_lab_save(const struct pl_lab *lab, struct pl_err *err)
{
	char tmp[PATH_MAX];
	cJSON *root;
	char *text;
	size_t len;
	ssize_t w;
	int fd, rc = 0;

	if (mkdir(PL_LAB_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return pl_errf(err, -errno, "mkdir %s: %s", PL_LAB_RUN_DIR, strerror(errno));
	root = lab_to_json(lab);
	text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return pl_errf(err, -ENOMEM, "run file %s: out of memory", lab->names.runfile);
	snprintf(tmp, sizeof(tmp), "%s.tmp", lab->names.runfile);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = pl_errf(err, -errno, "create %s: %s", tmp, strerror(errno));
		goto out;
	}
	len = strlen(text);
	text[len++] = '\n'; /* overwrites the terminating NUL; len counts it out */
	w = write(fd, text, len);
	if (w < 0 || (size_t)w != len)
		rc = pl_errf(err, w < 0 ? -errno : -EIO, "write %s: %s", tmp,
			     w < 0 ? strerror(errno) : "short write");
	if (close(fd) < 0 && rc == 0)
		rc = pl_errf(err, -errno, "close %s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, lab->names.runfile) < 0)
		rc = pl_errf(err, -errno, "rename %s: %s", tmp, strerror(errno));
	if (rc < 0)
		unlink(tmp);
out:
	free(text);
	return rc;
}

static const char *get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool get_num(const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

static int copy_str(char *dst, size_t len, const char *src)
{
	if (!src || strlen(src) >= len)
		return -EINVAL;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int lab_from_json(const cJSON *root, const char *name, struct pl_lab *lab,
			 struct pl_err *err)
{
	const char *path = lab->names.runfile;
	const cJSON *arr, *item, *gen, *rsp;
	const char *s;
	double d;
	int rc;

	s = get_str(root, "schema");
	if (!s || strcmp(s, RUNFILE_SCHEMA))
		return pl_errf(err, -EINVAL, "%s: schema is not %s", path, RUNFILE_SCHEMA);
	s = get_str(root, "name");
	if (!s || strcmp(s, name))
		return pl_errf(err, -EINVAL, "%s: name field does not match", path);
	rc = pl_lab_mode_parse(get_str(root, "mode"), &lab->mode, err);
	if (rc < 0)
		return pl_err_prefix(err, rc, "%s", path);
	if (get_num(root, "created_unix", &d))
		lab->created = (long long)d;
	if (get_num(root, "controller_pid", &d))
		lab->controller = (pid_t)d;
	if (get_num(root, "controller_start", &d))
		lab->controller_start = (unsigned long long)d;
	gen = cJSON_GetObjectItemCaseSensitive(root, "gen");
	rsp = cJSON_GetObjectItemCaseSensitive(root, "rsp");
	copy_str(lab->gen_mac, sizeof(lab->gen_mac), get_str(gen, "mac"));
	copy_str(lab->rsp_mac, sizeof(lab->rsp_mac), get_str(rsp, "mac"));

	arr = cJSON_GetObjectItemCaseSensitive(root, "resources");
	if (!cJSON_IsArray(arr))
		return pl_errf(err, -EINVAL, "%s: no resources array", path);
	cJSON_ArrayForEach(item, arr) {
		struct pl_res *r;

		if (lab->nres >= PL_LAB_RES_MAX)
			return pl_errf(err, -EINVAL, "%s: too many resources", path);
		r = &lab->res[lab->nres];
		memset(r, 0, sizeof(*r));
		if (kind_parse(get_str(item, "kind"), &r->kind) < 0 ||
		    copy_str(r->netns, sizeof(r->netns), get_str(item, "netns")) < 0 ||
		    copy_str(r->name, sizeof(r->name), get_str(item, "name")) < 0)
			return pl_errf(err, -EINVAL, "%s: resource %d is malformed", path,
				       lab->nres + 1);
		if (copy_str(r->what, sizeof(r->what), get_str(item, "what")) < 0) {
			char what[sizeof(r->what)];

			snprintf(what, sizeof(what), "%s %s", kind_names[r->kind], r->name);
			memcpy(r->what, what, sizeof(what));
		}
		if (get_num(item, "prio", &d))
			r->prio = (unsigned)d;
		/* A run file only ever names this lab's own two namespaces: never let an
		 * edited file make down remove something else. */
		if (strcmp(r->netns, lab->names.gen_ns) && strcmp(r->netns, lab->names.rsp_ns))
			return pl_errf(err, -EINVAL, "%s: resource %d is in namespace %s, not "
				       "one of this lab's", path, lab->nres + 1, r->netns);
		if (r->kind == PL_RES_NETNS && strcmp(r->name, r->netns))
			return pl_errf(err, -EINVAL, "%s: resource %d is malformed", path,
				       lab->nres + 1);
		lab->nres++;
	}
	arr = cJSON_GetObjectItemCaseSensitive(root, "pids");
	cJSON_ArrayForEach(item, arr) {
		struct pl_lab_pid *p;

		if (lab->npids >= PL_LAB_PIDS_MAX)
			break;
		p = &lab->pids[lab->npids];
		if (!get_num(item, "pid", &d) || d < 2)
			continue;
		p->pid = (pid_t)d;
		p->start = get_num(item, "start", &d) ? (unsigned long long)d : 0;
		if (copy_str(p->role, sizeof(p->role), get_str(item, "role")) < 0)
			p->role[0] = '\0';
		lab->npids++;
	}
	return 0;
}

int pl_lab_load(const char *name, struct pl_lab *lab, struct pl_err *err)
{
	char buf[65536];
	cJSON *root;
	ssize_t n;
	int fd, rc;

	memset(lab, 0, sizeof(*lab));
	rc = pl_lab_names(name, &lab->names, err);
	if (rc < 0)
		return rc;
	fd = open(lab->names.runfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return pl_errf(err, -ENOENT, "no run file %s", lab->names.runfile);
		return pl_errf(err, -errno, "open %s: %s", lab->names.runfile, strerror(errno));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return pl_errf(err, rc, "read %s: %s", lab->names.runfile, strerror(-rc));
	buf[n] = '\0';
	root = cJSON_Parse(buf);
	if (!root)
		return pl_errf(err, -EINVAL, "%s: not valid JSON", lab->names.runfile);
	rc = lab_from_json(root, name, lab, err);
	cJSON_Delete(root);
	return rc;
}

unsigned long long pl_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* Field 3, the state: an exited process waiting to be reaped counts as gone. */
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return 0;
	/* starttime is field 22; after ')' comes field 3. */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

int pl_lab_add_pid(const char *name, pid_t pid, const char *role, struct pl_err *err)
{
	struct pl_lab lab;
	struct pl_lab_pid *p;
	int rc;

	rc = pl_lab_load(name, &lab, err);
	if (rc < 0)
		return rc;
	if (lab.npids >= PL_LAB_PIDS_MAX)
		return pl_errf(err, -ENOSPC, "lab %s: too many processes recorded", name);
	p = &lab.pids[lab.npids++];
	p->pid = pid;
	p->start = pl_proc_starttime(pid);
	snprintf(p->role, sizeof(p->role), "%s", role ? role : "");
	return pl_lab_save(&lab, err);
}

/* ---- listing -------------------------------------------------------------------- */

struct name_set {
	char names[64][PL_LAB_ID_MAX + 1];
	int n;
};

static void set_add(struct name_set *set, const char *name, size_t len)
{
	char buf[PL_LAB_ID_MAX + 1];
	struct pl_lab_names check;

	if (len > PL_LAB_ID_MAX)
		return;
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (pl_lab_names(buf, &check, NULL) < 0)
		return;
	for (int i = 0; i < set->n; i++)
		if (!strcmp(set->names[i], buf))
			return;
	if (set->n < (int)(sizeof(set->names) / sizeof(set->names[0])))
		memcpy(set->names[set->n++], buf, len + 1);
}

static int ns_to_name(void *arg, const char *ns)
{
	size_t len = strlen(ns), plen = strlen(PL_LAB_NS_PREFIX);

	if (len > plen + 4 && (!strcmp(ns + len - 4, "-gen") || !strcmp(ns + len - 4, "-rsp")))
		set_add(arg, ns + plen, len - plen - 4);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int pl_lab_list(pl_lab_name_fn *fn, void *arg, struct pl_err *err)
{
	struct name_set *set;
	struct dirent *de;
	DIR *dir;
	int rc;

	set = calloc(1, sizeof(*set));
	if (!set)
		return pl_errf(err, -ENOMEM, "out of memory");
	dir = opendir(PL_LAB_RUN_DIR);
	if (dir) {
		while ((de = readdir(dir))) {
			size_t len = strlen(de->d_name);

			if (len > 5 && !strcmp(de->d_name + len - 5, ".json"))
				set_add(set, de->d_name, len - 5);
		}
		closedir(dir);
	}
	rc = pl_netns_list(PL_LAB_NS_PREFIX, ns_to_name, set, err);
	if (rc == 0) {
		qsort(set->names, (size_t)set->n, sizeof(set->names[0]), cmp_name);
		for (int i = 0; i < set->n && rc == 0; i++)
			rc = fn(arg, set->names[i]);
	}
	free(set);
	return rc;
}
