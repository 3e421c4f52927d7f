/* The verbs of `lifeboat snapshot`, one file each. */
#ifndef LIFEBOAT_SNAPSHOT_VERBS_H
#define LIFEBOAT_SNAPSHOT_VERBS_H

#include "cli/cli.h"

#endif
