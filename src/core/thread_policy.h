// How many threads a CPU context uses when nobody says (--threads 0), chosen for a computer that
// does other work: a robot computer always shares its cores (camera drivers, ROS, the control
// loop), and OpenMP workers that outnumber the free cores wait for one another at every layer.
// docs/guide.md ("CPU threads on a shared computer") and docs/dev/performance.md have the
// measurements behind it.
#pragma once

#include "actrt/threads.h"  // default_threads(), prefer_passive_openmp_wait(): public

namespace actrt {

// The CPU cores this process may run on (its affinity mask: taskset, cgroup cpusets), at least 1.
int usable_cores();

// The default thread count for `cores` usable cores: one core is left to the rest of the
// computer (the caller's own control loop first of all), so cores - 1, and at least 1.
int default_threads_for(int cores);

// default_threads() is default_threads_for(usable_cores()).

// The OpenMP wait policy of a program: passive unless the user chose one.
//
// libgomp (the OpenMP runtime of Debian's oneDNN) makes idle workers spin for a while before they
// sleep. On a computer that does other work (a robot's: camera drivers, ROS, the controller) a
// spinning worker takes the core a descheduled team member needs, and every layer's barrier then
// waits a scheduler time slice: a small ACT's CPU engine went from 21 ms to about 440 ms with one
// busy core on a 2-core machine (docs/dev/performance.md, "Shared CPU"). OMP_WAIT_POLICY=PASSIVE
// makes idle workers sleep at once.
//
// libgomp reads its environment once, when it is loaded, before main() runs, so setting the
// variable from main() is too late for this process: prefer_passive_openmp_wait()
// (actrt/threads.h) sets it and executes the program again (once: the variable, now set, stops a
// second time). A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone (OMP_WAIT_POLICY=ACTIVE:
// the fastest on an otherwise idle computer). The actrt CLI and the benchmarks call it first thing
// in main(); the Python module sets the variable before it loads libgomp; other programs that
// link actrt call it or set the variable themselves (docs/guide.md).

}  // namespace actrt
