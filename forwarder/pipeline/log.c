// SPDX-License-Identifier: MIT
#include "pipeline/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

enum dt_log_level dt_log_level = DT_LOG_INFO;

void dt_log(enum dt_log_level level, const char *fmt, ...)
{
	/* under journald (JOURNAL_STREAM set) sd-daemon(3) prefixes carry the priority */
	static const char *const prio[] = {"<3>", "<4>", "<6>", "<7>"};
	static const char *const word[] = {"error: ", "warning: ", "", "debug: "};
	static int journal = -1;
	char line[1024];
	va_list ap;

	if (level > dt_log_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "%s%s%s\n", prio[level], word[level], line);
	else
		fprintf(stderr, "dnstrail: %s%s\n", word[level], line);
}
