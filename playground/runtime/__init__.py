"""The runtime every loop of a cluster runs on: informers, the shared cache, work queues, timers in
simulated time, the Event recorder and the reconcile traces.

store (change log) → informer.Informer (list, then follow; relist when Gone) → cache.Cache →
controller.Controller.keys_for → workqueue.WorkQueue → reconcile → store → ...

Controllers (playground/controllers), kubelets (playground/sim), pages (playground/web) and, next,
the API's watches and the lesson checks all read a cluster through this package; it imports only
the store. A write to one cluster wakes only what follows that cluster: each informer asks for its
own cluster's resourceVersion, and the manager reads every cluster's in one query.
"""
