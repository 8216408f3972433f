"""Assignment 2, "layers": backprop at depth. Layer objects, per-layer gradient checks, LayerNorm,
Sequential and XOR, initialisation and gradient flow, weight decay and clipping, in-place ops in torch.

Everything the machinery needs to know about it is here: its notebook, its checks in notebook order (the
test cell of each has the check's name as its grade_id), its demo cells and its written answers."""
from pathlib import Path

from . import (part1_layers, part2_gradcheck, part3_layernorm, part4_sequential, part5_flow, part6_regularise,
               part7_inplace)

from ...core.assignment import Assignment
from . import demo
from .hints import HINTS

CHECKS = (part1_layers.CHECKS + part2_gradcheck.CHECKS + part3_layernorm.CHECKS + part4_sequential.CHECKS
          + part5_flow.CHECKS + part6_regularise.CHECKS + part7_inplace.CHECKS)
WRITTEN = {"written_vanishing": 2, "written_init": 2, "written_layernorm": 2, "written_objects": 2}

ASSIGNMENT = Assignment(
    name="layers", title="Backprop at depth: layer objects, normalisation and gradient flow", module=__name__,
    folder=Path(__file__).resolve().parent, course=Path(__file__).resolve().parents[3],
    checks=tuple(CHECKS), hints=HINTS, written=tuple(WRITTEN), written_points=sum(WRITTEN.values()),
    setup_cells=("setup", "helpers"),
    demo_cells=("seed_xor_recipe", "plot_gradient_flow", "seed_numbers", "plot_clipping"),    # shown, not graded
    demo=tuple(demo.PLAN))
