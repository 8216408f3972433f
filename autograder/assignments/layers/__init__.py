"""Assignment 2, "layers": backprop at depth. Layer objects, per-layer gradient checks, LayerNorm,
Sequential and XOR, initialisation and gradient flow, weight decay and clipping, in-place ops in torch.

Everything the machinery needs to know about it is here: its notebook, its checks in notebook order (the
test cell of each has the check's name as its grade_id), its demo cells and its written answers."""
from pathlib import Path

from . import (part1_layers, part2_gradcheck, part3_layernorm, part4_sequential, part5_flow, part6_regularise,
               part7_inplace)

NAME = "layers"
TITLE = "Backprop at depth: layer objects, normalisation and gradient flow"
SOURCE = Path(__file__).resolve().parents[3] / "source" / NAME / f"{NAME}.ipynb"
CHECKS = (part1_layers.CHECKS + part2_gradcheck.CHECKS + part3_layernorm.CHECKS + part4_sequential.CHECKS
          + part5_flow.CHECKS + part6_regularise.CHECKS + part7_inplace.CHECKS)
BY_NAME = {c.name: c for c in CHECKS}
assert len(BY_NAME) == len(CHECKS), "check names must be unique"
WORKERS = ("numpy", "torch")                        # the kinds of worker its checks need
SETUP_CELLS = ("setup", "helpers")                  # locked cells every run needs, restored from the release
DEMO_CELLS = frozenset({"seed_xor_recipe", "plot_gradient_flow", "seed_numbers", "plot_clipping"})     # locked, shown, never graded
WRITTEN = {"written_vanishing": 2, "written_init": 2, "written_layernorm": 2, "written_objects": 2}
PROBED = tuple(sorted({u.split(".")[0] for c in CHECKS for u in c.uses}))   # the student names the checks call
