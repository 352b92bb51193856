// How many threads a CPU context uses when nobody says (--threads 0), chosen for a computer that
// does other work: a robot computer always shares its cores (camera drivers, ROS, the control
// loop), and OpenMP workers that outnumber the free cores wait for one another at every layer.
// docs/guide.md ("CPU threads on a shared computer") and docs/dev/performance.md have the
// measurements behind it.
#pragma once

namespace actrt {

// The CPU cores this process may run on (its affinity mask: taskset, cgroup cpusets), at least 1.
int usable_cores();

// The default thread count for `cores` usable cores: one core is left to the rest of the
// computer (the caller's own control loop first of all), so cores - 1, and at least 1.
int default_threads_for(int cores);

// default_threads_for(usable_cores()).
int default_threads();

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
// variable from main() is too late for this process: prefer_passive_openmp_wait sets it and
// executes the program again (once; the variable being set stops a second time). A user's OMP_WAIT_POLICY or
// GOMP_SPINCOUNT is left alone (OMP_WAIT_POLICY=ACTIVE: the fastest on an otherwise idle
// computer). Programs that link the actrt library set the variable themselves (docs/guide.md).
//
// Call first thing in main() (the actrt CLI and the benchmarks do). Returns only if nothing was
// to be done or the re-execution failed (then the program runs on with libgomp's default policy).
void prefer_passive_openmp_wait(char** argv);

}  // namespace actrt
