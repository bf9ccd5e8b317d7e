import secrets

from django.core.management.base import BaseCommand

from operators.roles import Role
from operators.services import operator_set_up

DEMO_USERS = (
    ("agent", Role.AGENT, "Anna Agent"),
    # A second agent: a claim race and a transfer can be tried in two browsers at once.
    ("agent2", Role.AGENT, "Boris Agent"),
    ("supervisor", Role.SUPERVISOR, "Sergei Supervisor"),
    ("admin", Role.ADMIN, "Alex Admin"),
)


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo users (two agents, a supervisor, an admin) with fresh "
        "random passwords, and print them."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write("Demo users (username / password / role):")
        for username, role, name in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            operator_set_up(username=username, password=password, role=role, first_name=name)
            self.stdout.write(f"  {username:<11} {password:<14} {role.value}")
