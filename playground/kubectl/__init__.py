"""kubectl's client side: its verbs, output formats, `explain`, and the argument parsing that
the management commands (and later the browser console) share.

A real kubectl only talks to the API server; here the store plays that part. The columns and
cells of `kubectl get` come from the server side (playground/store/tables.py), as the API
server's Table does; kubectl's printers only lay them out.
"""
