/* Version of confine, shared by the CLI, the reports and the runtime guard. */
#ifndef CONFINE_VERSION_H
#define CONFINE_VERSION_H
#define CONFINE_VERSION "0.1.0"
#endif
