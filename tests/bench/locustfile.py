"""Simulated branch staff and integrations for `make loadtest` (see tests/bench/load.py).

Each user class is one role with the pages it works in most, weighted by how often a
person of that role opens them. Sessions and tokens are prepared by load.py and passed in
the file named by LOAD_FIXTURE; nothing here logs in through the form.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from locust import HttpUser, between, task

FIXTURE = json.loads(Path(os.environ["LOAD_FIXTURE"]).read_text())
THINK = between(1, 3)  # seconds between a person's clicks


class StaffUser(HttpUser):
    abstract = True
    role = ""
    wait_time = THINK

    def on_start(self):
        me = random.choice(FIXTURE["sessions"][self.role])
        self.data = me
        # the production settings mark cookies Secure; the load test runs over plain HTTP on
        # loopback, so the session cookie is sent by hand and HTTPS is announced as a proxy would
        self.client.headers.update(
            {"Cookie": f"sessionid={me['sessionid']}", "X-Forwarded-Proto": "https"}
        )

    def page(self, url, name=None, headers=None):
        with self.client.get(
            url, name=name or url, headers=headers, catch_response=True
        ) as response:
            if response.status_code != 200 or "/accounts/login/" in response.url:
                response.failure(f"{response.status_code} {response.url}")


class AccountManager(StaffUser):
    role = "account_manager"
    weight = 6

    @task(3)
    def client_list(self):
        url = random.choice(["/clients/", "/clients/?stage=active", "/clients/?ordering=name",
                             "/clients/?q=王", "/clients/?page=3"])  # fmt: skip
        self.page(url, "/clients/ (filters)")

    @task(3)
    def client_360(self):
        """The page's frame, then its three parts as the browser's HTMX asks for them."""
        client_id = random.choice(self.data["clients"])
        self.page(f"/clients/{client_id}/", "/clients/[id]/")
        for part in ("assets", "timeline", "history"):
            self.page(f"/clients/{client_id}/{part}/", f"/clients/[id]/{part}/",
                      headers={"HX-Request": "true"})  # fmt: skip

    @task(1)
    def timeline(self):
        client_id = random.choice(self.data["clients"])
        self.page(f"/api/v1/clients/{client_id}/timeline/", "/api/v1/clients/[id]/timeline/")

    @task(1)
    def workbench(self):
        self.page("/")

    @task(1)
    def my_dashboard(self):
        self.page("/dashboard/me/")

    @task(1)
    def visits(self):
        self.page("/visits/")


class BranchManager(StaffUser):
    role = "branch_manager"
    weight = 1

    @task(2)
    def dashboard(self):
        self.page(random.choice(["/dashboard/", "/dashboard/?period=quarter"]), "/dashboard/")

    @task(2)
    def clients(self):
        self.page(random.choice(["/clients/?stage=active", "/clients/?tier=vip", "/clients/?q=13"]),
                  "/clients/ (filters)")  # fmt: skip

    @task(1)
    def complaints(self):
        self.page("/complaints/")

    @task(1)
    def approvals(self):
        self.page("/visits/approvals/")


class ServiceAgent(StaffUser):
    role = "service_agent"
    weight = 3

    @task(3)
    def queue(self):
        self.page("/callcenter/")

    @task(2)
    def callback(self):
        self.page(f"/callcenter/callbacks/{random.choice(self.data['callbacks'])}/",
                  "/callcenter/callbacks/[id]/")  # fmt: skip

    @task(1)
    def complaint_desk(self):
        self.page("/complaints/")

    @task(1)
    def complaint(self):
        self.page(f"/complaints/{random.choice(self.data['complaints'])}/", "/complaints/[id]/")


class Compliance(StaffUser):
    role = "compliance"
    weight = 1

    @task(2)
    def complaint_desk(self):
        self.page(random.choice(["/complaints/", "/complaints/?status=investigating"]),
                  "/complaints/")  # fmt: skip

    @task(1)
    def complaint(self):
        self.page(f"/complaints/{random.choice(self.data['complaints'])}/", "/complaints/[id]/")

    @task(1)
    def analysis(self):
        self.page("/complaints/analysis/")


class Headquarters(StaffUser):
    role = "hq"
    weight = 1

    @task(2)
    def dashboard(self):
        self.page("/dashboard/")

    @task(1)
    def metrics(self):
        self.page("/api/v1/metrics/")


class Integration(HttpUser):
    """The telephony system: screen pops, call records, client pages. (The trading
    system's snapshot batch is nightly; `make bench` measures its throughput. Posting it
    here every few seconds would also empty the dashboards' commission cache each time.)"""

    weight = 1
    wait_time = THINK

    def on_start(self):
        self.client.headers.update(
            {"Authorization": f"Token {FIXTURE['token']}", "X-Forwarded-Proto": "https"}
        )

    @task(3)
    def lookup(self):
        phone = random.choice(FIXTURE["phones"])
        self.client.get(f"/api/v1/clients/lookup/?phone={phone}", name="/api/v1/clients/lookup/")

    @task(2)
    def post_call(self):
        started = datetime.now(UTC) - timedelta(minutes=5)
        self.client.post("/api/v1/calls/", json={
            "call_id": f"LOAD-{uuid.uuid4().hex}", "direction": "inbound",
            "phone": random.choice(FIXTURE["phones"]), "started_at": started.isoformat(),
            "duration": 120,
        })  # fmt: skip

    @task(1)
    def clients_page(self):
        self.client.get("/api/v1/clients/?stage=active", name="/api/v1/clients/")
