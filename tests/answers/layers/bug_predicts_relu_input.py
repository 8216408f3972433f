"""Seeded bug: predicts that modifying relu's input breaks backward (B), and mul's does not (C).
fails: inplace_predictions saved_output_vs_input
"""

# %% answer_inplace_predictions
INPLACE_RAISES = {"A": None, "B": None, "C": None, "D": None, "E": None, "F": None}   # True or False each
INPLACE_RAISES = {"A": True, "B": True, "C": False, "D": False, "E": True, "F": False}
