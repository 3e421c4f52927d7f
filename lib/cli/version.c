/* `lifeboat --version`: what a bug report needs to name the build. The
 * version and git revision come from the build (build/gen/buildinfo.h, made
 * from the VERSION file and `git describe`); library versions are asked at
 * run time, since the loaded library may not be the one built against. */
#include "buildinfo.h"
#include "buildinfo/libversions.h"
#include "cli/cli.h"

void lb_print_version(FILE *out)
{
	struct lb_libversion libs[LB_LIBVERSION_COUNT];
	lb_library_versions(libs);
	fprintf(out, "lifeboat %s\nrevision: %s\nlibraries (as loaded):\n", LB_BUILD_VERSION,
		LB_BUILD_REVISION);
	for (int i = 0; i < LB_LIBVERSION_COUNT; i++)
		fprintf(out, "  %-13s %s\n", libs[i].library, libs[i].version);
}
