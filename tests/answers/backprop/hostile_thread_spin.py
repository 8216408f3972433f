"""Hostile noise: a correct answer that starts a thread spinning forever.
expect: full
"""
# %% extra_thread
import threading
def _spin():
    while True:
        pass
threading.Thread(target=_spin, daemon=False).start()
