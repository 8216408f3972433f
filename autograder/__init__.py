"""backprop-by-hand: auto-graded backpropagation exercises, their checks, a sandboxed grading engine and
the front doors that deliver its grades (nbgrader, Gradescope, a command line, a class report)."""
