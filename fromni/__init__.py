"""The Fromni platform as the desk sees it: the API client and the sandbox simulator.

Nothing in this package imports Django, so the sandbox can run as a plain process and the
client can be used from any worker.
"""
