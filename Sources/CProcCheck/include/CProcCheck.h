// CProcCheck: the executable's check, before anything else runs, that /proc is mounted.
#ifndef CPROCCHECK_H
#define CPROCCHECK_H

/// Whether the startup check ran and found /proc; referenced from Swift so the object is always linked.
int cproccheck_proc_mounted(void);

#endif
