/* lifeboat recover: the group's verb table. Each verb is one file here. */
#include "cli/groups.h"
#include "recover/verbs.h"

static const struct lb_cmd recover_verbs[] = {
	{"mount", cmd_recover_mount, "activate a container's thin device and mount it read-only"},
	{"umount", cmd_recover_umount, "unmount and remove exactly what 'mount' created"},
	{"ls", cmd_recover_ls, "list containers, their thin devices and the pool, from files alone"},
	{"image", cmd_recover_image, "copy a container's thin device into an image file, no device-mapper"},
	{"discard", cmd_recover_discard, "turn off dm-thin discards that crash hosts (status, off); runbooks/discard-crash.md"},
	{"doctor", cmd_recover_doctor, "cross-check Docker's metadata against the pool; --fix repairs"},
	{0},
};

int cmd_recover(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("recover", recover_verbs,
			   "Get a container's files back from a device-mapper thin pool without the\n"
			   "Docker daemon, read-only by default.",
			   argc, argv, g);
}
