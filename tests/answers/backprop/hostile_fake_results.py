"""Hostile: a blank notebook that writes a perfect results.json into every folder it can reach.
expect: zero
base: broken_blank
"""
# %% extra_fake
import json, os
_fake = json.dumps({"score": 100.0, "tests": []})
for _top in ("/", "/autograder", "/autograder/results", os.getcwd(), "/tmp", "/work"):
    for _dir, _subdirs, _files in os.walk(_top):
        if _dir.count(os.sep) > 6:
            _subdirs[:] = []
        for _name in ("results.json", "grades.csv"):
            try:
                with open(os.path.join(_dir, _name), "w") as _f:
                    _f.write(_fake)
            except OSError:
                pass
