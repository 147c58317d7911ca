"""The Kubernetes API over HTTPS, for the real kubectl and the official Python client.

kubectl → /clusters/<cluster>/api|apis/… (views.py: token, cluster, discovery or a verb) →
resources.py → the store (playground/store), whose admission every writer shares. It imports
only the store and the runtime (an import-linter contract keeps it so): it is one more client
of the one store, like the pages and the controllers.
"""
