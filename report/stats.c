#include "report/stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double pl_stat_percentile(double *v, size_t n, double p)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_double);
	return pl_stat_percentile_sorted(v, n, p);
}

double pl_stat_percentile_sorted(const double *v, size_t n, double p)
{
	size_t rank;

	if (!n)
		return NAN;
	rank = (size_t)ceil(p / 100.0 * (double)n - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* C(a,k)/C(n,k) as a running product, exact enough for n <= 1000 */
static double ratio(unsigned a, unsigned n, unsigned k)
{
	double r = 1;
	unsigned i;

	if (k > a)
		return 0;
	for (i = 0; i < k; i++)
		r *= (double)(a - i) / (double)(n - i);
	return r;
}

double pl_stat_pass_at_k(unsigned n, unsigned c, unsigned k)
{
	if (k == 0 || k > n || c > n)
		return NAN;
	return 1.0 - ratio(n - c, n, k);
}

double pl_stat_pass_hat_k(unsigned n, unsigned c, unsigned k)
{
	if (k == 0 || k > n || c > n)
		return NAN;
	return ratio(c, n, k);
}

static double se_p(unsigned n, unsigned c)
{
	double p = (double)c / n;

	return sqrt(p * (1 - p) / n);
}

double pl_stat_pass_at_k_se(unsigned n, unsigned c, unsigned k)
{
	double p;

	if (k == 0 || k > n || c > n)
		return NAN;
	p = (double)c / n;
	return k * pow(1 - p, k - 1) * se_p(n, c);
}

double pl_stat_pass_hat_k_se(unsigned n, unsigned c, unsigned k)
{
	double p;

	if (k == 0 || k > n || c > n)
		return NAN;
	p = (double)c / n;
	return k * pow(p, k - 1) * se_p(n, c);
}

void pl_stat_mean_se(const double *v, size_t n, double *mean, double *se)
{
	double s = 0, ss = 0;
	size_t i;

	*mean = NAN;
	*se = 0;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		s += v[i];
	*mean = s / (double)n;
	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*se = sqrt(ss / (double)(n - 1)) / sqrt((double)n);
}

void pl_stat_wilson(unsigned long k, unsigned long n, double z, double *lo, double *hi)
{
	double p, z2n, centre, half, den;

	if (!n || k > n) {
		*lo = *hi = NAN;
		return;
	}
	p = (double)k / (double)n;
	z2n = z * z / (double)n;
	den = 1 + z2n;
	centre = p + z2n / 2;
	half = z * sqrt(p * (1 - p) / (double)n + z2n / (4 * (double)n));
	*lo = (centre - half) / den;
	*hi = (centre + half) / den;
	/* exact at the edges (rounding must not put 0/n above 0 or n/n below 1) */
	if (k == 0)
		*lo = 0;
	if (k == n)
		*hi = 1;
}

double pl_stat_mcnemar_exact(unsigned long b, unsigned long c)
{
	unsigned long n = b + c, m = b < c ? b : c, i;
	double sum = 0, lp;

	if (!n)
		return 1;
	/* P(X <= m) for X ~ Bin(n, 1/2), term by term in logs: n may be large */
	for (i = 0; i <= m; i++) {
		lp = lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) - (double)n * log(2.0);
		sum += exp(lp);
	}
	sum *= 2;
	return sum > 1 ? 1 : sum;
}
