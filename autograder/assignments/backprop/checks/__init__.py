"""Every graded behaviour, in notebook order. Each check exists once; both grading paths call these."""
from . import part1_forward, part2_backward, part3_autograd, part4_training

CHECKS = part1_forward.CHECKS + part2_backward.CHECKS + part3_autograd.CHECKS + part4_training.CHECKS
