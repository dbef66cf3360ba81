"""The ``raydeck`` commands, one module per job: ``server`` (up, serve), ``auth`` (login, tokens,
users), ``objects`` (the kubectl-style verbs) and ``jobs`` (job submit). ``cli/main.py`` puts
them together into one command tree; ``common`` holds what they share.
"""
