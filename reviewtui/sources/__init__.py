"""Where pending changes come from. Each module turns one kind of place into `Change` objects.

| module    | reads                                                              | change id              |
|-----------|--------------------------------------------------------------------|------------------------|
| `refs`    | `refs/pull/*/head`, `refs/remotes/*/pr/*`, `refs/merge-requests/*/head` | `pr/N`, `mr/N`     |
|           | agent branches (`claude/*`, `copilot/*`, ...), local and remote     | the branch name        |
| `patches` | a folder of `git format-patch` mail and plain unified diffs        | `patch:<file>`         |
| `commits` | every non-merge commit of a revision range                         | short sha              |
"""
