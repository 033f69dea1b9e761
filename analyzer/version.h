/* Version of confine, shared by the CLI, the reports and the runtime guard. */
#ifndef CONFINE_VERSION_H
#define CONFINE_VERSION_H
#define CONFINE_VERSION "0.1.0"
/* Raised whenever the analysis changes which functions the guard patches, or where: the guard's
 * cache entries of an earlier analysis are then recomputed, not trusted. */
#define CONFINE_ANALYSIS_REVISION "5"
/* The "$schema" of JSON reports: the "$id" of docs/scan.schema.json and docs/check.schema.json.
 * A new number whenever a field changes meaning or goes away (added fields keep it). */
#define CONFINE_SCAN_SCHEMA "urn:confine:schema:scan:1"
#define CONFINE_CHECK_SCHEMA "urn:confine:schema:check:1"
#endif
