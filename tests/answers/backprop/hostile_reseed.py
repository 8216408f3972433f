"""Hostile noise: a correct answer that reseeds the global random generators.
expect: full
"""
# %% extra_seed
import random
np.random.seed(0)
random.seed(0)
torch.manual_seed(0)
