// SPDX-License-Identifier: MIT
/*
 * filter `domain`: keep or drop records by question name, suffix match on
 * whole labels, case-insensitive. "example.com" matches example.com and
 * www.example.com, not badexample.com. Each list is a hash set of suffixes,
 * probed once per label boundary of the name: O(labels), whatever the list size.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "filters/rec_fields.h"
#include "filters/strset.h"
#include "pipeline/plugin.h"

struct domain_ctx {
	char **include;
	size_t n_include;
	char **exclude;
	size_t n_exclude;
	char *include_file;
	char *exclude_file;
	struct dt_strset inc, exc;
};

static const struct dt_option domain_options[] = {
    DT_OPT_STR_LIST("include", struct domain_ctx, include, n_include,
		    "keep only names at or under these domains"),
    DT_OPT_STR_LIST("exclude", struct domain_ctx, exclude, n_exclude,
		    "drop names at or under these domains (applied after include)"),
    DT_OPT_STR("include_file", struct domain_ctx, include_file, NULL,
	       "more include domains from a file: one per line, # comments"),
    DT_OPT_STR("exclude_file", struct domain_ctx, exclude_file, NULL,
	       "more exclude domains from a file: one per line, # comments (blocklists)"),
    {0},
};

/* "*.Example.COM." -> "example.com" (stored lowercase by the set) */
static int add_domain(struct dt_strset *set, const char *d, struct dt_errbuf *err)
{
	size_t len;

	if (d[0] == '*' && d[1] == '.')
		d += 2;
	else if (d[0] == '.')
		d++;
	len = strlen(d);
	if (len && d[len - 1] == '.')
		len--;
	if (len == 0 || len > 253) {
		snprintf(err->msg, sizeof(err->msg), "\"%s\" is not a domain name", d);
		return -EINVAL;
	}
	return dt_strset_add(set, d, len);
}

/* One domain per line; blank lines and # comments skipped; hosts-file style
 * "0.0.0.0 name" lines give their last word. */
static int add_file(struct dt_strset *set, const char *path, struct dt_errbuf *err)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	unsigned long n = 0;
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *word = NULL, *tok;

		n++;
		p[strcspn(p, "#\r\n")] = '\0';
		for (tok = strtok(p, " \t"); tok; tok = strtok(NULL, " \t"))
			word = tok;
		if (!word)
			continue;
		rc = add_domain(set, word, err);
		if (rc) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%.300s:%lu: %.150s", path, n, err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			break;
		}
	}
	fclose(f);
	return rc;
}

static int domain_init(void *vctx, struct dt_errbuf *err)
{
	struct domain_ctx *ctx = vctx;
	int rc;

	for (size_t i = 0; i < ctx->n_include; i++)
		if ((rc = add_domain(&ctx->inc, ctx->include[i], err)))
			goto err_clear;
	for (size_t i = 0; i < ctx->n_exclude; i++)
		if ((rc = add_domain(&ctx->exc, ctx->exclude[i], err)))
			goto err_clear;
	if (ctx->include_file && (rc = add_file(&ctx->inc, ctx->include_file, err)))
		goto err_clear;
	if (ctx->exclude_file && (rc = add_file(&ctx->exc, ctx->exclude_file, err)))
		goto err_clear;
	if (!ctx->inc.count && !ctx->exc.count) {
		snprintf(err->msg, sizeof(err->msg), "needs an include or an exclude list");
		rc = -EINVAL;
		goto err_clear;
	}
	return 0;

err_clear:
	if (rc == -ENOMEM)
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	dt_strset_clear(&ctx->inc);
	dt_strset_clear(&ctx->exc);
	return rc;
}

static bool suffix_in(const struct dt_strset *set, const char *name)
{
	size_t len = strlen(name);

	if (len && name[len - 1] == '.')
		len--;
	return dt_strset_has_label_suffix(set, name, len);
}

static enum dt_filter_verdict domain_filter(void *vctx, const struct dt_record *rec)
{
	struct domain_ctx *ctx = vctx;
	const char *name = dt_rec_qname(rec);

	if (!name)
		return ctx->inc.count ? DT_FILTER_DROP : DT_FILTER_KEEP;
	if (ctx->inc.count && !suffix_in(&ctx->inc, name))
		return DT_FILTER_DROP;
	if (ctx->exc.count && suffix_in(&ctx->exc, name))
		return DT_FILTER_DROP;
	return DT_FILTER_KEEP;
}

static void domain_exit(void *vctx)
{
	struct domain_ctx *ctx = vctx;

	dt_strset_clear(&ctx->inc);
	dt_strset_clear(&ctx->exc);
}

const struct dt_filter_plugin dt_filter_domain = {
    .name = "domain",
    .description =
	"keep (include) or drop (exclude) records by question name, suffix match on whole labels",
    .options = domain_options,
    .ctx_size = sizeof(struct domain_ctx),
    .init = domain_init,
    .filter = domain_filter,
    .exit = domain_exit,
};
