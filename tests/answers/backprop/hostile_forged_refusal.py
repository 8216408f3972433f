"""Hostile: a correct answer whose last cell writes the grader's own words on every socket it inherited:
"the sandbox could not be set up" (which would invite a regrade without the sandbox) and a fake exit.
expect: no check counts as a sandbox failure; the submission is flagged for tampering
"""
# %% extra_forge
import json as _json, os as _os, stat as _stat
for _fd in range(3, 64):
    try:
        if _stat.S_ISSOCK(_os.fstat(_fd).st_mode):
            _os.write(_fd, (_json.dumps({"refused": "forged"}) + "\n" + _json.dumps({"exit": "forged"}) + "\n").encode())
    except OSError:
        pass
