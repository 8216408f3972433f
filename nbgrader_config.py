c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "backprop-by-hand"
c.CourseDirectory.root = __import__("os").path.dirname(__import__("os").path.abspath(__file__))
c.IncludeHeaderFooter.header = ""
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ExecutePreprocessor.timeout = 300
# Feedback shows each check's message, never the source of hidden tests.
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades", "autograder.nbgrader_hooks.HideHiddenTests",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
c.CourseDirectory.solution_directory = "solutions"
