"""Learned risk score for customs risk selection (C1 / C2 / C3): train, evaluate, score, explain.

Pure Python (no Django models). The customs engine builds a record (a dict of our feature names,
see ``mapping.FEATURES``) from a declaration and calls ``model.load_model(path).score([record])``.
This package module imports nothing, so that ``singlewindow`` commands that do not use the score
do not pay for loading LightGBM.
"""
