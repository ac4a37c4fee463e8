/* SPDX-License-Identifier: MIT */
#include "core/record.h"

const char *dt_status_str(enum dt_status status)
{
	switch (status) {
	case DT_STATUS_OK:
		return "ok";
	case DT_STATUS_TIMEOUT:
		return "timeout";
	case DT_STATUS_ORPHAN_RESPONSE:
		return "orphan_response";
	case DT_STATUS_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
