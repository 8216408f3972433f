"""Hostile: backward returns objects that claim to equal anything.
expect: backward checks fail
"""
# %% answer_backward
class AlwaysEqual(float):
    shape = property(lambda self: self._shape)
    def __new__(cls, shape=()):
        obj = super().__new__(cls, 0.0)
        obj._shape = shape
        return obj
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __abs__(self): return self
    def __sub__(self, other): return self
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__
    def __hash__(self): return 0


def backward(cache):
    return {k: AlwaysEqual() for k in ("W1", "b1", "W2", "b2", "X")}
