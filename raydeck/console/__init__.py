"""The web console: NiceGUI pages mounted on the API's FastAPI app, calling managers in-process.

``mount(app, context)`` adds it; ``root.build_root`` is the one page function
(a frame and sub-pages for each route), so tests can drive it with NiceGUI's
simulated user as well as in a real browser.
"""
