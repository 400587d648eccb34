/* stats.h — the numbers a report states: nearest-rank percentiles, pass@k and pass^k.
 *
 * Percentiles are nearest-rank: p-th percentile of n sorted values is the value at rank
 * ceil(p/100 * n) (so the p50 of 1..100 is 50, the p99 is 99). pass@k is the unbiased
 * estimator of Chen et al. 2021 from n trials with c passes, 1 - C(n-c,k)/C(n,k); pass^k
 * (all k trials pass) is C(c,k)/C(n,k). Standard errors of one scenario's estimates use
 * the binomial standard error of p = c/n, sqrt(p(1-p)/n), carried through the delta
 * method: pass@k ~ 1-(1-p)^k gives k(1-p)^(k-1) se(p), pass^k ~ p^k gives k p^(k-1)
 * se(p). Both are 0 when p is 0 or 1 (a degenerate, not a certain, estimate). */
#ifndef PL_REPORT_STATS_H
#define PL_REPORT_STATS_H

#include <stddef.h>

/* Nearest-rank percentile of v[0..n) (sorted in place); NaN when n == 0. */
double pl_stat_percentile(double *v, size_t n, double p);
/* The same of v already sorted ascending (pl_stat_percentile leaves it so). */
double pl_stat_percentile_sorted(const double *v, size_t n, double p);

/* Unbiased pass@k and pass^k from n trials with c passes (k <= n); NaN when k > n. */
double pl_stat_pass_at_k(unsigned n, unsigned c, unsigned k);
double pl_stat_pass_hat_k(unsigned n, unsigned c, unsigned k);

/* Delta-method standard errors of the two (see above). */
double pl_stat_pass_at_k_se(unsigned n, unsigned c, unsigned k);
double pl_stat_pass_hat_k_se(unsigned n, unsigned c, unsigned k);

/* Mean and standard error of the mean (sample sd / sqrt(n); 0 when n < 2). */
void pl_stat_mean_se(const double *v, size_t n, double *mean, double *se);

/* Wilson score interval for k successes in n trials at normal quantile z (1.959964 for
 * 95 %): (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n). Unlike p ± z·se it stays
 * inside [0, 1] and is not empty at k = 0 or k = n. NaN for both when n == 0. */
void pl_stat_wilson(unsigned long k, unsigned long n, double z, double *lo, double *hi);

/* The exact (binomial) two-sided McNemar test on paired outcomes: b pairs where only A
 * passed, c where only B passed. Under "A and B are as good", min(b, c) of the b + c
 * discordant pairs is Binomial(b + c, 1/2): p = min(1, 2 P(X <= min(b, c))); 1 when
 * b + c == 0. */
double pl_stat_mcnemar_exact(unsigned long b, unsigned long c);

#endif
