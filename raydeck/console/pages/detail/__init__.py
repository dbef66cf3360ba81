"""The detail page of one object: ``page.py`` draws the header and tabs, one module per tab.

``subject.py`` is the object as last read, shared by the tabs; ``actions.py`` the
header's buttons; ``progress.py`` the line that says what is under way.
"""
