"""The front doors: the command line, nbgrader preprocessors, the Gradescope bundle, the class report, the
course and demo commands. Each turns Verdicts into its own format."""
