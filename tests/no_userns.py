"""Run a command where user namespaces are refused, the way Docker's default seccomp profile refuses them.

unshare and clone fail with EPERM when their flags ask for a new user namespace; clone3, whose flags a
filter cannot see, answers ENOSYS so that the C library falls back to clone. --no-landlock and --no-seccomp
also take those away, as on a kernel built without them (ENOSYS). The filter holds for the command and
everything it starts.

    python tests/no_userns.py [--no-landlock] [--no-seccomp] -- COMMAND [ARG...]
"""
from __future__ import annotations

import argparse
import errno
import os
import sys

import pyseccomp as sc

CLONE_NEWUSER = 0x10000000
PR_SET_SECCOMP = 22
LANDLOCK = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def refuse(no_landlock: bool = False, no_seccomp: bool = False) -> None:
    f = sc.SyscallFilter(sc.ALLOW)
    new_user = sc.Arg(0, sc.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)
    f.add_rule(sc.ERRNO(errno.EPERM), "unshare", new_user)
    f.add_rule(sc.ERRNO(errno.EPERM), "clone", new_user)
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    if no_landlock:
        for name in LANDLOCK:
            f.add_rule(sc.ERRNO(errno.ENOSYS), name)
    if no_seccomp:
        f.add_rule(sc.ERRNO(errno.ENOSYS), "seccomp")
        f.add_rule(sc.ERRNO(errno.EINVAL), "prctl", sc.Arg(0, sc.EQ, PR_SET_SECCOMP))
    f.load()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-landlock", action="store_true", help="Landlock's system calls answer ENOSYS")
    ap.add_argument("--no-seccomp", action="store_true", help="no further seccomp filter can be loaded")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    args = ap.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command given")
    refuse(args.no_landlock, args.no_seccomp)
    os.execvp(command[0], command)


if __name__ == "__main__":
    sys.exit(main())
