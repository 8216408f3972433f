"""Hostile noise: a correct answer whose notebook tries to send data to a port on this machine.
expect: full; no connection arrives
"""
# %% extra_network
import socket
try:
    with socket.create_connection(("127.0.0.1", 47613), timeout=2) as _s:
        _s.sendall(b"leaked answers")
except OSError:
    pass
