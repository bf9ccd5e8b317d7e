"""Hosts of a test's own making: Linux network namespaces on one bridge (`ip netns`), so that a
desk's processes run as on separate machines.

The root namespace plays the services host (PostgreSQL, Redis, the platform, the operators'
browsers): it has the bridge's first address. Each host is a namespace with one veth on the
bridge and a loopback of its own, so a process can reach another host's processes only over
the bridge, and a loopback doorbell rings on its own host only. Killing every process of a
namespace is a whole host going away.

Names carry the pid of the process that made them: the next run removes what a killed run left
behind. Needs root (CAP_NET_ADMIN) and iproute2.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

PREFIX = "odn"
# odn<pid in hex>x<network><role>: at most 3 + 6 + 1 + 2 + 1 = 13 characters, as a Linux
# interface name is at most 15.
_NAME = re.compile(rf"^{PREFIX}([0-9a-f]+)x")
_networks = itertools.count()


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def netns_unavailable() -> str | None:
    """Why hosts cannot be made here, or None when they can."""
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    probe = f"{PREFIX}{os.getpid():x}xp"
    made = _ip("link", "add", probe, "type", "bridge", check=False)
    if made.returncode != 0:
        return f"cannot make a bridge: {made.stderr.strip()}"
    _ip("link", "del", probe, check=False)
    listed = _ip("netns", "list", check=False)
    if listed.returncode != 0:
        return f"`ip netns` does not work: {listed.stderr.strip()}"
    return None


@dataclass(frozen=True)
class Host:
    """One namespace: `address` on the bridge; `launcher` runs a command there."""

    name: str
    address: str

    @property
    def launcher(self) -> tuple[str, ...]:
        # `ip netns exec` execs the command: the child's pid is the command's own.
        return ("ip", "netns", "exec", self.name)

    def run(self, *command: str, **options) -> subprocess.CompletedProcess:
        return subprocess.run([*self.launcher, *command], **options)

    def pids(self) -> list[int]:
        listed = _ip("netns", "pids", self.name, check=False)
        return [int(pid) for pid in listed.stdout.split()]

    def kill_all(self, timeout: float = 10.0) -> int:
        """SIGKILL every process in the namespace (and any it starts meanwhile) and wait until
        none is left: the host is gone. How many were killed."""
        killed: set[int] = set()
        deadline = time.monotonic() + timeout
        while pids := self.pids():
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            if time.monotonic() > deadline:
                raise TimeoutError(f"processes of {self.name} outlived SIGKILL: {pids}")
            time.sleep(0.02)
        return len(killed)


class Network:
    """A bridge in the root namespace and `hosts` namespaces on it; a context manager that
    removes everything it made, whatever happened meanwhile."""

    def __init__(self, hosts: int = 2) -> None:
        self.tag = f"{PREFIX}{os.getpid():x}x{next(_networks)}"
        self.bridge = f"{self.tag}r"
        self.subnet = _free_subnet()
        addresses = [str(a) for a in self.subnet.hosts()]
        self.services_address = addresses[0]
        self.hosts = [
            Host(name=f"{self.tag}{chr(ord('a') + n)}", address=addresses[n + 1])
            for n in range(hosts)
        ]
        self._forwarders: list[subprocess.Popen] = []

    @property
    def cidr(self) -> str:
        return str(self.subnet)

    def forward(self, target: str) -> str:
        """A server of this namespace on `target` (host:port, e.g. loopback's PostgreSQL),
        reachable from the hosts at the services address: a socat forwarder, stopped with the
        network. The address:port the hosts use."""
        from desk.devstack import free_port

        port = free_port(self.services_address)
        forwarder = subprocess.Popen(
            [
                "socat",
                f"TCP-LISTEN:{port},bind={self.services_address},fork,reuseaddr",
                f"TCP:{target}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._forwarders.append(forwarder)
        deadline = time.monotonic() + 10
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.services_address, port), timeout=1),
            ):
                return f"{self.services_address}:{port}"
            if forwarder.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"socat forwarding to {target} did not start")
            time.sleep(0.05)

    def create(self) -> Network:
        _sweep_leftovers()
        prefix = self.subnet.prefixlen
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
            _ip("addr", "add", f"{self.services_address}/{prefix}", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
            for host in self.hosts:
                _ip("netns", "add", host.name)
                # The veth's root end is named after its host; inside, it is the host's eth0.
                _ip("link", "add", host.name, "type", "veth", "peer", "eth0", "netns", host.name)
                _ip("link", "set", host.name, "master", self.bridge, "up")
                _ip("-n", host.name, "addr", "add", f"{host.address}/{prefix}", "dev", "eth0")
                _ip("-n", host.name, "link", "set", "eth0", "up")
                _ip("-n", host.name, "link", "set", "lo", "up")
        except subprocess.CalledProcessError as error:
            self.remove()
            raise RuntimeError(f"making the test's network failed: {error.stderr}") from error
        return self

    def remove(self) -> None:
        for forwarder in self._forwarders:
            forwarder.kill()
            forwarder.wait()
        for host in self.hosts:
            with contextlib.suppress(TimeoutError):
                host.kill_all()
        names = [host.name for host in self.hosts]
        _remove(namespaces=names, links=[*names, self.bridge])

    def __enter__(self) -> Network:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _remove(*, namespaces: Sequence[str], links: Sequence[str]) -> None:
    # Deleting a namespace takes its veth end with it, and so the pair; the root ends and the
    # bridge are deleted too in case a namespace was already gone.
    for name in namespaces:
        _ip("netns", "del", name, check=False)
    for name in links:
        _ip("link", "del", name, check=False)


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 of 10.231.0.0/16 no interface here has an address in (concurrent runs)."""
    used = _ip("-o", "-4", "addr", "show").stdout
    start = os.getpid() % 250
    for n in range(250):
        subnet = ipaddress.IPv4Network(f"10.231.{(start + n) % 250 + 1}.0/24")
        if f" {subnet.network_address + 1}/" not in used:
            return subnet
    raise RuntimeError("no free /24 left in 10.231.0.0/16")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_leftovers() -> None:
    """Namespaces and links of runs whose process is gone (killed before it cleaned up)."""
    namespaces = [line.split()[0] for line in _ip("netns", "list").stdout.splitlines() if line]
    links = [
        line.split(":")[1].strip().split("@")[0]
        for line in _ip("-o", "link", "show").stdout.splitlines()
    ]

    def stale(name: str) -> bool:
        match = _NAME.match(name)
        return bool(match) and not _alive(int(match.group(1), 16))

    stale_namespaces = [name for name in namespaces if stale(name)]
    for name in stale_namespaces:
        with contextlib.suppress(TimeoutError):
            Host(name, "").kill_all()
    _remove(namespaces=stale_namespaces, links=[name for name in links if stale(name)])
