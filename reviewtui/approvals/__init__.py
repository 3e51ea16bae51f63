"""Signed decisions under the two-person rule.

A decision (approve, request changes, reject) is an in-toto Statement (`statement`) bound to exactly what was
reviewed (`binding`: head commit and tree, merge-base, sha256 of the full binary diff), wrapped in a DSSE envelope
(`dsse`) whose signature is made by `ssh-keygen -Y sign` (`signer`) and checked by `ssh-keygen -Y verify` against
the base commit's allowed_signers (`verifier`). Envelopes are stored in git notes (`notes`) or, for patch files, a
ledger (`ledger`), and counted under `.reviewtui/policy.toml` read at the base (`policy`, `verdict`).
"""
