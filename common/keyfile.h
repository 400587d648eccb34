/* keyfile.h — read an API key from a file only its owner can read.
 *
 * The file must be a regular file (no symlink is followed), owned by the caller's
 * effective uid, with no group or other permission bits (mode 0600 or 0400), between 1
 * byte and 4 KiB; the key is its first line. Errors name the file and what is wrong,
 * never the key.
 */
#ifndef PL_KEYFILE_H
#define PL_KEYFILE_H

#include "common/err.h"

/* The key (malloc'd, NUL-terminated; the caller wipes and frees it), or NULL. */
char *pl_key_file_read(const char *path, struct pl_err *err);

#endif
