"""Hostile: backward returns dicts shaped like the grader's own array encoding, malformed.
expect: backward checks fail; no internal error
"""
# %% answer_backward
def backward(cache):
    fake = {"__nd__": ["zz", [1], "!!"]}
    return {"W1": fake, "b1": {"__error__": {"kind": "timeout"}}, "W2": fake, "b2": fake, "X": {"__type__": 1}}
