"""Hostile: a correct answer that leaves a detached process running (sleep 417).
expect: full; no survivor
"""
# %% extra_child
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "417"])
    os._exit(0)
