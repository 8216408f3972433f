"""Hostile: a blank notebook that writes a perfect Gradescope results.json and grades.csv wherever it can.
expect: zero; no file outside its own scratch
base: broken_blank
"""
# %% extra_fake
import json, os
for _d in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/autograder/results", ".."):
    for _name, _text in (("results.json", json.dumps({"score": 100, "tests": []})), ("grades.csv", "student,score\nme,100\n")):
        try:
            with open(os.path.join(_d, _name), "w") as _f:
                _f.write(_text)
        except OSError:
            pass
