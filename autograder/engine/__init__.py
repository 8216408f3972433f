"""The grading engine: reads a notebook, runs it in sandboxed workers under limits, asks the checks'
questions, brings the answers back and judges them. Receives an Assignment; names none."""
