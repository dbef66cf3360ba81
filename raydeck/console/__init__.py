"""The web console: NiceGUI pages mounted on the API's FastAPI app, calling managers in-process.

``mount(app, context)`` adds it with the app's one ``AppContext``; ``root.build_root``
is the one page function (session check, the shared ``frame``, a sub-page per route
from ``pages/``), so tests can drive it with NiceGUI's simulated user as well as in
a real browser.
"""
