"""The answer key itself (the master notebook's solutions).
style: reference
"""
