/* Version of confine, shared by the CLI, the reports and the runtime guard. */
#ifndef CONFINE_VERSION_H
#define CONFINE_VERSION_H
#define CONFINE_VERSION "0.1.0"
/* Raised whenever the analysis changes which functions the guard patches, or where: the guard's
 * cache entries of an earlier analysis are then recomputed, not trusted. */
#define CONFINE_ANALYSIS_REVISION "4"
#endif
