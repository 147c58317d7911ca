"""kubectl's client side: its verbs, output formats, `explain`, and the argument parsing that
the management commands (and later the browser console) share.

A real kubectl only talks to the API server; here the store plays that part.
"""
