#include "buildinfo/libversions.h"
#include "dm/libversion.h"

#include <archive.h>
#include <blkid.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libsmartcols.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static void set(struct lb_libversion *v, const char *library, const char *version)
{
	v->library = library;
	snprintf(v->version, sizeof(v->version), "%s", version ? version : "unknown");
}

void lb_library_versions(struct lb_libversion out[LB_LIBVERSION_COUNT])
{
	const char *blkid_version = NULL;
	const char *smartcols_version = NULL;
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	/* "libarchive 3.6.2": the library's name is ours to print. */
	const char *archive = archive_version_string();
	const char *archive_number = archive ? archive + strcspn(archive, "0123456789") : NULL;

	out[0].library = "libdevmapper";
	lb_dm_library_version(out[0].version, sizeof(out[0].version));
	blkid_get_library_version(&blkid_version, NULL);
	set(&out[1], "libblkid", blkid_version);
	scols_get_library_version(&smartcols_version);
	set(&out[2], "libsmartcols", smartcols_version);
	set(&out[3], "zstd", ZSTD_versionString());
	set(&out[4], "libcurl", curl ? curl->version : NULL);
	set(&out[5], "libarchive", archive_number);
	set(&out[6], "jansson", jansson_version_str());
	set(&out[7], "OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING));
	set(&out[8], "zlib", zlibVersion());
}
