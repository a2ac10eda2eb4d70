"""`python -m services.launcher.orphan_guard PARENT_PID CMD...`: exec CMD, dying with PARENT.

Children run in their own session so a terminal Ctrl-C reaches only the launcher, which
then stops them in order. The price is that a SIGKILLed launcher would leave them running
and holding their ports; on Linux this asks the kernel to SIGTERM the child when its
parent dies (the setting survives exec). Done in a separate exec step rather than in a
`preexec_fn`, because forking a process with gRPC threads and running Python in the child
is unsafe. Elsewhere it just execs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def guard(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    # The parent may have died before prctl took effect: nobody would signal us then.
    if os.getppid() != parent_pid:
        raise SystemExit(f"orphan_guard: parent {parent_pid} is gone; not starting")


def wrap(argv: list[str]) -> list[str]:
    """The command line that runs argv under the guard, with this process as its parent."""
    return [sys.executable, "-m", "services.launcher.orphan_guard", str(os.getpid()), *argv]


def main() -> None:
    parent, argv = int(sys.argv[1]), sys.argv[2:]
    guard(parent)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
