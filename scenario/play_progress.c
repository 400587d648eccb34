/* play_progress.c — the one updating line of a terminal. */
#include "scenario/play_int.h"

#include <stdio.h>

/* "[  37/114] mock:sim-haiku-like: 180 pass 6 fail | in flight 3 | 0:42 elapsed, ETA 1:25
 *  | tokens 120k in 8k out | ~$0.0123" (a terminal's one updating line) */
void play_progress_line(struct pl_play *p, const struct pl_play_target *t, unsigned long in_flight)
{
	unsigned long fail = 0, k;
	double el = (double)(pl_now_ns() - p->epoch_ns) / 1e9, eta;

	for (k = 1; k < V__COUNT; k++)
		fail += p->verdicts[k];
	eta = p->done_scenarios ? el / (double)p->done_scenarios *
				  (double)(p->total_scenarios > p->done_scenarios ? p->total_scenarios - p->done_scenarios : 0) : 0;
	fprintf(p->progress, "%s[%4lu/%lu] %s: %lu pass %lu fail | in flight %lu | %d:%02d elapsed",
		p->status_lines ? "@progress " : "\r\033[K", p->done_scenarios, p->total_scenarios, t->name, p->verdicts[V_PASS], fail, in_flight, (int)el / 60,
		(int)el % 60);
	if (p->done_scenarios)
		fprintf(p->progress, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
	if (p->tokens_in || p->tokens_out)
		fprintf(p->progress, " | tokens %lu in %lu out", p->tokens_in, p->tokens_out);
	if (p->price && (p->tokens_in || p->tokens_out))
	{
		if (p->cost_unknown[0])
			fprintf(p->progress, " | cost unknown (%s)", p->cost_unknown);
		else
			fprintf(p->progress, " | ~$%.4f", p->cost_usd);
	}
	if (p->status_lines)
		fputc('\n', p->progress);
	fflush(p->progress);
}
