"""Grading checks and engine for the backprop-by-hand exercise."""
