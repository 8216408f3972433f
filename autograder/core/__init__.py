"""Building blocks every check uses: Check, Verdict, Outcome, Assignment, comparison and messages, the wire
format. Knows no assignment, no process, no file format."""
