"""Hostile: a correct answer whose Linear.backward never returns on the graded inputs (a busy loop that ignores
signals), so the checks that call it time out while every other check is still graded.
expect: every check that reaches Linear.backward fails with a timeout; the others pass
"""
# %% extra_loop
import signal as _signal

for _s in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGALRM):
    _signal.signal(_s, _signal.SIG_IGN)
_real_backward = Linear.backward


def _stuck(self, dout):
    if dout.shape[0] > 4:           # the notebook's own demo batches still run
        while True:
            pass
    return _real_backward(self, dout)


Linear.backward = _stuck
