"""Hostile: a blank notebook that searches the file system for the answer key and runs what it finds.
expect: zero
base: broken_blank
"""
# %% extra_walk
import json, os, re
for _top in ("/", os.getcwd()):
    for _dir, _subdirs, _files in os.walk(_top):
        _subdirs[:] = [d for d in _subdirs if d not in ("proc", "sys", "dev")]
        for _name in _files:
            if _name.endswith((".ipynb", ".py")):
                try:
                    _text = open(os.path.join(_dir, _name)).read()
                except (OSError, UnicodeDecodeError):
                    continue
                if "### BEGIN SOLUTION" in _text and "def backward" in _text:
                    try:
                        _cells = [c["source"] for c in json.loads(_text)["cells"] if c["cell_type"] == "code"]
                    except Exception:
                        _cells = [_text]
                    for _src in _cells:
                        try:
                            exec("".join(_src) if isinstance(_src, list) else _src)
                        except Exception:
                            pass
