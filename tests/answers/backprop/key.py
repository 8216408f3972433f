"""The answer key itself (dict cache, explicit chain rule).
style: reference
"""
