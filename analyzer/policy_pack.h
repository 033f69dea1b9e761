/* Packed policies: one module's policy as the runtime guard caches it, fixed records and a
 * string table that a warm start reads back without parsing text. */
#ifndef CONFINE_POLICY_PACK_H
#define CONFINE_POLICY_PACK_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"

/* Packs module m, made with the rules of rules_digest (16 hex digits), in this machine's byte
 * order. Returns 0 with *out (malloc'd) of *len bytes, -ENOMEM, or -E2BIG (past 4 GiB). */
int policy_pack(const struct policy_module *m, const char *rules_digest, uint8_t **out, size_t *len);

/* Reads a packed module back into p (empty before). Returns 0; -ESTALE when buf is not a packed
 * policy of this format and rules_digest (another version's entry or format, not a defect);
 * -EINVAL when it is one but damaged (*why, a static string, names the first defect); or -ENOMEM. On success p
 * holds one module in a block of its own (buf may go); policy_clear releases it. */
int policy_unpack(const void *buf, size_t len, const char *rules_digest, struct policy *p, const char **why);

#endif
