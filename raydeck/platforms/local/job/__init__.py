"""The local platform's RayJob: a pure plan of what to do, and the reconciler that carries it out.

``plan.py`` (with ``draft.py``, ``running.py``, ``timing.py``) decides: a typed RayJob and what
was ``observed.py`` → ``actions.py`` and the new status. ``reconciler.py`` observes, plans, acts
and writes the status once; ``submitter.py`` says what is submitted and ``ray_jobs.py`` talks to
a cluster's Ray Jobs API.
"""
