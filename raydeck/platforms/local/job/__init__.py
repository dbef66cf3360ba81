"""The local platform's RayJob: a pure plan of what to do, and the reconciler that carries it out.

``plan.py`` decides (a typed RayJob and what was observed → actions and the new status);
``reconciler.py`` observes, plans, acts and writes the status once; ``submitter.py`` and
``ray_jobs.py`` say what is submitted and talk to a cluster's Ray Jobs API.
"""
