"""The create dialog a list page opens: ``dialog.py`` keeps its tabs in sync and submits,
``fields.py`` draws the Form tab, ``form.py`` reads and writes the form in a document."""
