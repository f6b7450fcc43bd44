// Preloaded into the gateway when it runs under valgrind: the Swift runtime's async main waits in
// sigsuspend() with a signal mask kept in read-only memory, and valgrind's wrapper for that call
// writes into the mask it is given, which kills valgrind ("the 'impossible' happened", SIGSEGV at
// the mask's address). This passes the kernel a writable copy instead; nothing else changes.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
  sigset_t copy = *mask;
  return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
