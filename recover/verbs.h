#ifndef LIFEBOAT_RECOVER_VERBS_H
#define LIFEBOAT_RECOVER_VERBS_H

#include "cli/cli.h"

#endif
