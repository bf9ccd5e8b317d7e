"""A faithful simulator of the Fromni platform, run as its own HTTP server process.

See docs/sandbox.md for the contract. Importing this package stays cheap (no threads, no
sockets) so that `fromni.sandbox.process.SandboxProcess` can be imported by tests and tools.
"""
