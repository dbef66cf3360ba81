"""The list page of a kind (also the Templates page's tabs): ``page.py`` with its filters and
paging, ``rows.py`` the table's columns and rows, ``deleting.py`` single and batch delete."""
