import os
import sys

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "backprop-by-hand"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.solution_directory = "solutions"
c.IncludeHeaderFooter.header = ""
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ExecutePreprocessor.timeout = 300

# Autograde with the sandboxed engine: hidden-test outcomes are its verdicts, student code never runs in
# nbgrader's kernel. BACKPROP_GRADING=kernel runs nbgrader's own in-kernel execution instead.
# nbgrader's other autograde steps are left out where they do nothing here: IgnorePattern filters kernel
# stderr (there is none) and ClearMetadataPreprocessor is off by default; CheckCellMetadata already checked
# the cells while sanitizing, and nothing after it changes their metadata.
# The engine grades c.EngineExecute.jobs submissions at once (default: the cores; 1: one at a time).
if os.environ.get("BACKPROP_GRADING") != "kernel":
    c.Autograde.autograde_preprocessors = [
        "autograder.doors.nbgrader_hooks.EngineExecute", "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties"]
    if sys.argv[1:2] == ["autograde"] and not {"-h", "--help", "--help-all"} & set(sys.argv):
        # the engine's warm workers start while nbgrader itself starts up
        from autograder.doors.nbgrader_hooks import start_engine_early
        start_engine_early()

# Feedback shows each check's message, never the source of hidden tests.
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades", "autograder.doors.nbgrader_hooks.HideHiddenTests",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
