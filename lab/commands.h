/* commands.h — the pinglab verbs. Each lives in lab/cmd_NAME.c and is listed in the
 * table in lab/main.c. A command gets argv with argv[0] = its own name and returns the
 * process exit code (kselftest style, see PL_EXIT_*). */
#ifndef PL_COMMANDS_H
#define PL_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PL_EXIT_OK    0
#define PL_EXIT_FAIL  1   /* a regression */
#define PL_EXIT_ERROR 2   /* lab or usage error */
#define PL_EXIT_SKIP  4   /* cannot run here: not root, no /dev/net/tun, no API key */

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* Shared by the lab commands (lab/cli.c). */

/* PL_EXIT_OK when this process may build labs (root, /dev/net/tun present); otherwise
 * prints why on stderr ("pinglab CMD: ...") and returns PL_EXIT_SKIP. */
int cli_require_lab_privileges(const char *cmd, bool need_tun);

/* Pick the lab a command acts on: name if given, else the only lab there is.
 * Prints the reason and returns PL_EXIT_ERROR when there is none or several. */
int cli_pick_lab(const char *cmd, const char *name, char *out, size_t len);

/* Directory of this executable (its sibling programs live there). */
void cli_exe_dir(char *out, size_t n);
/* fork + exec argv (argv[0] a path), inside the named lab namespace when netns is not
 * NULL, with stdout/stderr redirected when the fds are >= 0. */
pid_t cli_spawn(const char *const argv[], const char *netns, int out_fd, int err_fd);
/* SIGTERM, up to 2 s, then SIGKILL; reaps. */
void cli_stop_child(pid_t pid);

/* pl_lab_hooks log callbacks: arg is the FILE * to print to, indented by two spaces. */
void cli_log_line(void *arg, const char *line);

#endif
