// CPU threads on a computer that does other work (docs/guide.md, "CPU threads on a shared
// computer").
#pragma once

namespace actrt {

// The CPU thread count an engine runs with when none is given (threads = 0): the cores this
// process may run on (its affinity mask) minus one, at least 1.
int default_threads();

// Makes idle OpenMP workers sleep instead of spin (OMP_WAIT_POLICY=PASSIVE) unless the
// environment already sets OMP_WAIT_POLICY or GOMP_SPINCOUNT. OpenMP reads the variable once,
// when the program starts, so this sets it and executes the program again (argv as main() got
// it): call it first thing in main(). Returns when nothing was to be done, or when the program
// could not be executed again (it then runs on with OpenMP's default policy).
void prefer_passive_openmp_wait(char** argv);

}  // namespace actrt
