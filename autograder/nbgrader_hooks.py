"""nbgrader preprocessors of this package."""
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    """For feedback: hidden test regions leave the test cells, and a failed test shows its message only
    (a traceback would quote the cell's lines, hidden ones included)."""

    enforce_metadata = False

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code":
            for out in cell.outputs:
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}"]
        return cell, resources
