"""`make demo`'s last step, `manage.py demo`: the desk, the sandbox and the workers in one
terminal; a login page, an (empty) desk behind it; Ctrl-C stops them all."""

import re
import signal
import sys

import pytest
import requests

from desk.devstack import free_port, fresh_database
from tests.support.live import ManagedProcess, manage, wait_until_answers

pytestmark = pytest.mark.live


def test_the_demo_serves_a_login_page_and_the_desk_with_the_sandbox_and_stops_on_ctrl_c():
    with fresh_database() as database_url:
        env = {"DEBUG": "1", "DATABASE_URL": database_url}
        assert manage("migrate", "--noinput", env=env).returncode == 0
        users = manage("create_demo_users", env=env)
        assert users.returncode == 0, users.stderr
        password = re.search(r"^\s+agent\s+(\S+)\s+agent$", users.stdout, re.M).group(1)
        port, sandbox_port = free_port(), free_port()
        demo = ManagedProcess(
            [
                sys.executable,
                "manage.py",
                "demo",
                "--port",
                str(port),
                "--sandbox-port",
                str(sandbox_port),
                "--autopilot",
                "0",
            ],
            env,
        )
        try:
            desk = f"http://127.0.0.1:{port}"
            login = wait_until_answers(f"{desk}/accounts/login/", timeout=60, process=demo.process)
            assert login.status_code == 200, demo.output()
            assert requests.get(f"http://127.0.0.1:{sandbox_port}/_sandbox/health").json()["ok"]
            session = requests.Session()
            page = session.get(f"{desk}/accounts/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            answer = session.post(
                f"{desk}/accounts/login/",
                data={"username": "agent", "password": password, "csrfmiddlewaretoken": token},
                headers={"Referer": f"{desk}/accounts/login/"},
            )
            assert answer.status_code == 200 and 'id="desk"' in answer.text
            assert session.get(f"{desk}/api/conversations?state=queued").json()["data"] == []
            assert requests.get(f"{desk}/healthz").json()["ok"] is True
        finally:
            code = demo.stop(signal.SIGINT, timeout=30)
        assert code is not None
        # Every child went with it: the ports are free again.
        for free in (port, sandbox_port):
            with pytest.raises(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{free}/", timeout=2)
