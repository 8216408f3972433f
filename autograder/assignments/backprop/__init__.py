"""Assignment 1, backprop: a two-layer ReLU MLP's forward pass, backward pass by hand, gradient check,
autograd equivalent, the zero_grad follow-up and XOR."""
from pathlib import Path

from ...core.assignment import Assignment
from . import demo, reference
from .checks import CHECKS
from .hints import HINTS

ASSIGNMENT = Assignment(
    name="backprop", title="Backprop by hand: a two-layer MLP", module=__name__,
    folder=Path(__file__).resolve().parent, course=Path(__file__).resolve().parents[3],
    checks=tuple(CHECKS), hints=HINTS,
    written=("written_stability", "written_graph", "written_zero_grad", "written_inplace"), written_points=8,
    setup_cells=("setup", "helpers"), demo_cells=("plots",), fixes=reference.fixes,
    demo=tuple(demo.PLAN))
