/* out.h — the writers behind report.h, one file each; they write to an open FILE. */
#ifndef PL_REPORT_OUT_H
#define PL_REPORT_OUT_H

#include <stdio.h>

#include "report/data.h"

int rp_write_json(const struct rp_run *r, FILE *f);
int rp_write_md(const struct rp_run *r, FILE *f);
int rp_write_html(const struct rp_run *r, FILE *f);
int rp_write_junit(const struct rp_run *r, FILE *f);
int rp_write_pcapng(const struct rp_run *r, FILE *f);

/* shared helpers (report/render.c) */
const char *rp_target_kind(const struct rp_target *t);       /* kernel, reference, model */
void rp_fmt_us(char *out, size_t n, double us);              /* "31 µs", "4.3 ms", "2.10 s", "–" */
/* v as printf's "%.*f" with 0..3 decimals writes it, exactly (out: 48 bytes are enough);
 * returns out. */
char *rp_fmt_fixed(char *out, size_t n, double v, int decimals);
void rp_fmt_cost(char *out, size_t n, const struct rp_target *t); /* "$2.00", "unknown", "n/a" */
/* The run this one replays (run.json model.replay_of), or NULL. */
const char *rp_replay_of(const struct rp_run *r);
/* How many model targets the run has. */
size_t rp_model_count(const struct rp_run *r);

const char *rp_model_cost_note(const struct rp_run *r, const struct rp_target *t, char *buf, size_t n);

#endif
