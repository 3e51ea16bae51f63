"""What landed versus what was approved: `reviewtui audit`.

`landing` walks the branch's first-parent line in a period and cuts it into landed changes (merges, fast-forwards,
squash and rebase merges, direct pushes), finding for each the change that was proposed and approved, with the help
of `decisions` (every stored decision, indexed by head, diff, patch-id and change id). `auditor` judges each one with
the approvals machinery (policy at the landing base), checks that what landed is what was approved (`comparison`),
collects findings and waivers, provenance and reverts, and flags rubber stamps (`rubberstamp`); `summary` counts;
`report` is the one dictionary every output format (`formats/`) renders, so all formats carry the same facts.
"""
