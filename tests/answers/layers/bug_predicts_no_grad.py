"""Seeded bug: predicts that an in-place op under no_grad still breaks backward (F).
fails: inplace_predictions leaf_inplace
"""

# %% answer_inplace_predictions
INPLACE_RAISES = {"A": None, "B": None, "C": None, "D": None, "E": None, "F": None}   # True or False each
INPLACE_RAISES = {"A": True, "B": False, "C": True, "D": False, "E": True, "F": True}
