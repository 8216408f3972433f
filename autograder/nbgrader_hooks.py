"""nbgrader preprocessors of this package."""
from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    """In feedback, hidden test regions are removed from the cells a student sees; outputs stay."""

    enforce_metadata = False
