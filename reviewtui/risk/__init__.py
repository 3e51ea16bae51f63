"""Explainable risk scoring for pending changes, in the spirit of just-in-time defect prediction.

The package is a pipeline whose every stage can be read on its own: `history` indexes the repository's past in one
`git log` pass (who changed which file when, which commits were fixes or reverts); `features` turns a change plus
that index into Kamei-style measurements (NUC, NDEV, AGE, EXP, REXP, SEXP, FIX) seen strictly as of the change's own
moment, so scoring an old commit never peeks at what came after it; `score` combines the features into a number a
reviewer can decompose term by term; and `bands` maps scores onto the few levels the queue shows. Calibration fits
the weights and band edges on the repository's own history, using commits that were later reverted (or fixed) as the
labels, so a score means the same thing in the repository it is shown for.
"""
