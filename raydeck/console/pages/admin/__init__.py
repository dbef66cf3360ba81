"""Pages for platform admins: users, namespaces, and quotas with their admission queues.

The managers decide who may do what; these pages are only routed for platform
admins, and any refusal the managers still make is shown as the error it is.
"""
