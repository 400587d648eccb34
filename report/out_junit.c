/* junit.xml — one testcase per scenario x target: classname = target, name = scenario id.
 * Every non-pass verdict is a <failure> carrying the diff lines, for every target: the
 * kernel's and the reference's are regressions of the lab, the model's are measurements
 * the consumer may choose to gate on (a testsuite per target makes filtering easy). */
#include "report/out.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "report/xml.h"

int rp_write_junit(const struct rp_run *r, FILE *f)
{
	size_t k, i, c, tests = 0, failures = 0;

	for (k = 0; k < r->nt; k++)
		for (i = 0; i < r->ns; i++)
			if (r->s[i].res[k].present) {
				tests++;
				failures += r->s[i].res[k].verdict != V_PASS;
			}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"pinglab ");
	rp_xml_escape(f, r->run_id);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", tests, failures);
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		size_t n = 0, nf = 0, a;

		for (i = 0; i < r->ns; i++)
			if (r->s[i].res[k].present) {
				n++;
				nf += r->s[i].res[k].verdict != V_PASS;
			}
		fprintf(f, "  <testsuite name=\"");
		rp_xml_escape(f, t->name);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\"", n, nf);
		if (r->started) {
			fprintf(f, " timestamp=\"");
			rp_xml_escape(f, r->started);
			fputc('"', f);
		}
		fprintf(f, ">\n    <properties>\n");
		fprintf(f, "      <property name=\"kind\" value=\"%s\"/>\n", rp_target_kind(t));
		fprintf(f, "      <property name=\"simulated\" value=\"%s\"/>\n", t->is_model && r->simulated ? "true" : "false");
		if (t->model_id[0]) {
			fprintf(f, "      <property name=\"model\" value=\"");
			rp_xml_escape(f, t->model_id);
			fprintf(f, "\"/>\n");
		}
		fprintf(f, "      <property name=\"stack\" value=\"%s\"/>\n", r->stack->name);
		for (a = 0; a < PL_ANS__COUNT; a++)
			if (t->ans_total[a])
				fprintf(f, "      <property name=\"answers.%s\" value=\"%zu/%zu\"/>\n", pl_answer_name((enum pl_answer)a),
					t->ans_pass[a], t->ans_total[a]);
		fprintf(f, "      <property name=\"partial\" value=\"%s\"/>\n    </properties>\n", r->partial ? "true" : "false");
		for (i = 0; i < r->ns; i++) {
			const struct rp_result *x = &r->s[i].res[k];
			double secs = 0;

			if (!x->present)
				continue;
			for (c = x->first; c < x->first + x->npk; c++)
				if (r->p[r->grp[c]].rtt_us > 0)
					secs += r->p[r->grp[c]].rtt_us / 1e6;
			fprintf(f, "    <testcase classname=\"");
			rp_xml_escape(f, t->name);
			fprintf(f, "\" name=\"");
			rp_xml_escape(f, r->s[i].id);
			fprintf(f, "\" time=\"%.6f\"", secs);
			if (x->verdict == V_PASS) {
				fprintf(f, "/>\n");
				continue;
			}
			fprintf(f, ">\n      <failure type=\"%s\" message=\"%s: %zu of %zu packets failed",
				pl_verdict_name((enum pl_verdict)x->verdict), pl_verdict_name((enum pl_verdict)x->verdict),
				x->npk - x->npass, x->npk);
			fprintf(f, "\">");
			for (c = x->first; c < x->first + x->npk; c++) {
				const struct rp_pkt *p = &r->p[r->grp[c]];
				const cJSON *d;

				if (p->verdict == V_PASS)
					continue;
				fprintf(f, "packet %u rep %u trial %u: %s (expect ", p->packet, p->rep, p->trial,
					pl_verdict_name((enum pl_verdict)p->verdict));
				rp_xml_escape(f, p->expect);
				fprintf(f, ")\n");
				cJSON_ArrayForEach(d, p->diff)
					if (cJSON_IsString(d)) {
						fputs("  ", f);
						rp_xml_escape(f, d->valuestring);
						fputc('\n', f);
					}
				if (p->note && *p->note) {
					fputs("  note: ", f);
					rp_xml_escape(f, p->note);
					fputc('\n', f);
				}
			}
			fprintf(f, "</failure>\n    </testcase>\n");
		}
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
	return ferror(f) ? -EIO : 0;
}
