#include "dm/libversion.h"

#include <libdevmapper.h>
#include <stdio.h>

bool lb_dm_library_version(char *buf, size_t buf_size)
{
	if (dm_get_library_version(buf, buf_size))
		return true;
	snprintf(buf, buf_size, "unknown");
	return false;
}
