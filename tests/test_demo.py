"""`make demo`'s last step, `manage.py demo`: the desk, the sandbox and the workers in one
terminal; a login page, an (empty) desk behind it, two agents, campaigns and notifications of the
account already there; Ctrl-C stops them all."""

import re
import signal
import sys
import time

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
        assert re.search(r"^\s+agent2\s+\S+\s+agent$", users.stdout, re.M), users.stdout
        supervisor_password = re.search(
            r"^\s+supervisor\s+(\S+)\s+supervisor$", users.stdout, re.M
        ).group(1)
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
            session, answer = signed_in(desk, "agent", password)
            assert answer.status_code == 200 and 'id="desk"' in answer.text
            assert session.get(f"{desk}/api/conversations?state=queued").json()["data"] == []
            assert requests.get(f"{desk}/healthz").json()["ok"] is True
            # The showcase: the account's campaigns are on the supervisor's campaign page, and
            # their completion callbacks reach the desk (read back from the platform's log).
            supervisor, _ = signed_in(desk, "supervisor", supervisor_password)
            campaigns = supervisor.get(f"{desk}/reports/campaigns/")
            assert campaigns.status_code == 200
            assert "Напоминание о визите" in campaigns.text, campaigns.text[:2000]
            sandbox = f"http://127.0.0.1:{sandbox_port}/_sandbox/callbacks"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                attempts = requests.get(sandbox, timeout=5).json()["data"]
                answered = {a["kind"] for a in attempts if a["status"] == 200}
                if {"campaign_completed", "notification_message_updated"} <= answered:
                    break
                time.sleep(0.5)
            assert {"campaign_completed", "notification_message_updated"} <= answered, attempts
        finally:
            code = demo.stop(signal.SIGINT, timeout=30)
        assert code is not None
        # Every child went with it: the ports are free again.
        for free in (port, sandbox_port):
            with pytest.raises(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{free}/", timeout=2)


def signed_in(
    desk: str, username: str, password: str
) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    page = session.get(f"{desk}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{desk}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{desk}/accounts/login/"},
    )
    return session, answer
