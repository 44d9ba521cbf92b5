"""Risk selection: every declaration goes to C1 (release), C2 (documents) or C3 (inspection), with reasons.

``facts`` takes what selection looks at from a declaration, ``rules`` evaluates the officers'
rules over it, ``select`` applies the precedence (forced C3 > forced C2 > score thresholds >
random sampling, with AEO / grade relief) and writes the explanation, ``store`` keeps the
tables and the learned model in memory, ``current`` selects with what is in force now.
"""
