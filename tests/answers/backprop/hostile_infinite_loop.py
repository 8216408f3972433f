"""Hostile: backward loops forever, with the usual signals ignored.
expect: backward checks time out; the rest full
"""
# %% answer_backward
import signal
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP):
    signal.signal(_sig, signal.SIG_IGN)


def backward(cache):
    while True:
        pass
