/* The doctor's inputs, read from files alone (no root, no device-mapper):
 * Docker's model of the data root, the image layers of the layer store, and
 * the pool's superblock, devices and base filesystem from the pool's own
 * metadata file (lib/thinmeta) and data file. */
#ifndef LIFEBOAT_DOCTOR_GATHER_H
#define LIFEBOAT_DOCTOR_GATHER_H

#include "docker/dataroot.h"
#include "doctor/doctor.h"
#include "snapshot/catalog.h"

#include <limits.h>

struct lb_doctor_inputs {
	struct lb_docker_root *root;
	struct lb_docker_layer *layers;
	size_t n_layers;
	struct lb_thin_device *devices;
	size_t n_devices;
	struct lb_doctor_devfacts *facts; /* parallel to devices (match.h) */
	struct lb_doctor_pool pool; /* points into devices and facts */
	uint32_t data_block_size_sectors;
	struct lb_snap_catalog catalog; /* valid if catalog_loaded */
	bool catalog_loaded;
	struct lb_doctor_snapshot *snapshots; /* the pool's devices the catalog names */
	size_t n_snapshots;
};

/* Loads everything. A data root that is not a devicemapper one, or pool
 * metadata that cannot be read, is an error (LB_EINTEGRITY for damage). */
int lb_doctor_gather(const struct lb_docker_root_opts *opts, struct lb_doctor_inputs *in,
		     struct lb_err *err);
void lb_doctor_inputs_free(struct lb_doctor_inputs *in);

#endif
