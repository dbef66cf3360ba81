"""The console's pages, one module (or package, for the larger ones) per page.

``console.root`` routes to them inside the shared frame (``console.frame``); the
login page is shown in place of any page while nobody is logged in. Pages call
the managers in-process through the page's ``ConsoleSession``.
"""
