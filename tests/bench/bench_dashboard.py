"""Dashboard and API under load: 100,000 comments, gunicorn with 2 workers, 20 s of traffic.

Seeds 100,000 comments across 3 consultations and 10 languages into a fresh SQLite
database (or CONVENE_BENCH_DATABASE_URL), starts gunicorn (2 sync workers, with the local
stack's settings: ``services.web.gunicorn_conf``) on a free loopback port, signs the load
threads in, and runs a bounded thread pool against it: 20 s of the filtered feedback API
(token) and the queue page (signed-in session), with varied filters, searches and
next-page cursors, and 10 s of a trivial endpoint of the same server, the baseline. The
two take turns in four rounds (5 s, then 2.5 s), so both meet this machine in the same
state. Prints, as its last line,
``bench dashboard: items=… api_p50_ms=… api_p95_ms=… page_p95_ms=… rps=… baseline_rps=…``.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from services.config import load_config  # noqa: E402
from services.db import Database  # noqa: E402
from services.feedback.models import (
    Anchor,
    AnchorMethod,
    Comment,
    Theme,
    TriageStatus,
    comment_themes,
)

ITEMS = int(os.environ.get("CONVENE_BENCH_ITEMS", 100_000))
DURATION = float(os.environ.get("CONVENE_BENCH_SECONDS", 20))
BASELINE_DURATION = 10.0
ROUNDS = 4  # the mixed load and the baseline alternate, a quarter of each at a time
CONCURRENCY = 4
LANGUAGES = ["en", "fr", "de", "es", "ar", "pl", "sr", "ckb", "ja", "pt"]
WORDS = [
    "leadership",
    "community",
    "volunteer",
    "definition",
    "paragraph",
    "translation",
    "proposal",
    "support",
    "oppose",
    "agree",
    "consensus",
    "draft",
    "revision",
    "meeting",
    "mentor",
    "learning",
    "skills",
    "facilitate",
    "collaborate",
    "trust",
    "inclusive",
    "feedback",
    "question",
    "answer",
    "example",
    "wiki",
    "newcomers",
    "autonomy",
    "shared",
    "vision",
    "culture",
    "resilience",
    "decentralized",
]
STATUSES = list(TriageStatus)
START = datetime(2024, 1, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(db: Database, rng: random.Random) -> dict:
    """The documents, 3 consultations, themes, 100,000 comments with anchors, users."""
    import dashboard_factory as factory

    from services.web.auth.models import Role
    from services.web.auth.users import create_user, issue_token, set_password

    with db.session() as s:
        _, rev, units = factory.document(
            s, units=[(k, f"{t} {i}") for i in range(10) for k, t in factory.DEFINITION]
        )
        consultations = [factory.consultation(s, rev, title=f"Round {n}").id for n in range(3)]
        themes = {
            cid: [Theme(consultation_id=cid, name=f"theme {t}") for t in range(12)]
            for cid in consultations
        }
        s.add_all([t for ts in themes.values() for t in ts])
        s.flush()
        theme_ids = {cid: [t.id for t in ts] for cid, ts in themes.items()}
        unit_keys = [u.key for u in units]
        user = create_user(s, "Bench", Role.TRIAGER)
        set_password(user, "bench password 123")
        _, token = issue_token(s, user, "bench")
    authors = [f"User {n}" for n in range(500)]
    batch = 5000
    with db.engine.begin() as conn:
        next_id = 1
        while next_id <= ITEMS:
            rows, anchors, links = [], [], []
            for cid_index in range(next_id, min(ITEMS, next_id + batch - 1) + 1):
                cid = consultations[cid_index % 3]
                words = rng.choices(WORDS, k=rng.randint(8, 40))
                text = " ".join(words).capitalize() + "."
                author = rng.choice(authors)
                posted = START + timedelta(seconds=rng.randint(0, 60 * 86400))
                rows.append(
                    {
                        "id": cid_index,
                        "consultation_id": cid,
                        "page_title": f"Talk:Round/{cid_index % 40}",
                        "item_id": f"c-{author.replace(' ', '_')}-{posted:%Y%m%d%H%M%S}-{cid_index}",
                        "parent_item_id": None,
                        "heading": rng.choice(WORDS).title(),
                        "author": author,
                        "posted_at": posted,
                        "level": 1,
                        "text_html": f"<p>{text}</p>",
                        "text_plain": text,
                        "language": rng.choice(LANGUAGES),
                        "wiki_revid": 1000 + cid_index,
                        "status": rng.choices(STATUSES, weights=[50, 10, 10, 5, 8, 5, 5, 7])[0],
                        "note": "",
                        "response": "",
                        "assignee": None,
                    }
                )
                anchors.append(
                    {
                        "comment_id": cid_index,
                        "unit_key": rng.choice(unit_keys),
                        "revision_id": rev.id,
                        "method": AnchorMethod.SIMILARITY,
                        "confidence": 0.7,
                    }
                )
                if rng.random() < 0.2:
                    links.append({"comment_id": cid_index, "theme_id": rng.choice(theme_ids[cid])})
            conn.execute(insert(Comment), rows)
            conn.execute(insert(Anchor), anchors)
            if links:
                conn.execute(insert(comment_themes), links)
            next_id += batch
    if db.url.startswith("sqlite"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {
        "consultations": consultations,
        "themes": theme_ids,
        "units": unit_keys,
        "token": token,
        "user": "Bench",
        "password": "bench password 123",
    }


class Client:
    """One keep-nothing HTTP client (gunicorn's sync workers close every connection)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            all_headers = {**(headers or {})}
            if self.cookie:
                all_headers["Cookie"] = self.cookie
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            cookie = response.getheader("Set-Cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()

    def sign_in(self, name: str, password: str) -> None:
        _, _, page = self.request("GET", "/auth/signin")
        token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        status, _, _ = self.request(
            "POST",
            "/auth/signin",
            urlencode({"name": name, "password": password, "csrf_token": token}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302, f"sign-in failed with {status}"


def random_filter(rng: random.Random, data: dict) -> dict:
    params: dict = {}
    roll = rng.random()
    if rng.random() < 0.8:
        params["consultation"] = rng.choice(data["consultations"])
    if roll < 0.5:
        params["status"] = rng.choice(STATUSES).value
    if rng.random() < 0.5:
        params["language"] = rng.choice(LANGUAGES)
    if rng.random() < 0.15 and "consultation" in params:
        params["theme"] = rng.choice(data["themes"][params["consultation"]])
    if rng.random() < 0.1:
        params["unit"] = rng.choice(data["units"])
    if rng.random() < 0.15:
        params["q"] = rng.choice(WORDS)
    if rng.random() < 0.1:
        params["sort"] = "updated"
    return params


# The next page's cursor, found without decoding the whole page: the load generator shares
# the CPUs with the server it measures, so it does no more work than it must. (Text inside
# the items is JSON-escaped, so only the page's own "next_cursor" key can match.)
NEXT_CURSOR = re.compile(rb'"next_cursor":\s*"([^"]+)"')


def new_thread_state(port: int, data: dict, n: int, kind: str) -> dict:
    """What one load thread keeps from slice to slice: its random stream, its client
    (signed in before any timing, for the mixed load) and the next-page cursors it holds."""
    client = Client(port)
    if kind == "mixed":
        client.sign_in(data["user"], data["password"])
    return {"rng": random.Random(n), "client": client, "cursors": []}


def load(
    port: int, data: dict, seconds: float, kind: str, states: list[dict]
) -> dict[str, list[float]]:
    """One thread per state sending requests for ``seconds``; latencies (ms) per kind."""
    results: dict[str, list[float]] = {"api": [], "page": [], "baseline": [], "errors": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    api_headers = {"Authorization": f"Bearer {data['token']}"}

    def worker(state: dict):
        rng, client, cursors = state["rng"], state["client"], state["cursors"]
        while time.monotonic() < deadline:
            if kind == "baseline":
                label, path, headers = "baseline", "/_bench/baseline", {}
            else:
                params = random_filter(rng, data)
                if cursors and rng.random() < 0.3:
                    params = cursors.pop()
                label = "api" if rng.random() < 0.6 else "page"
                prefix = "/api/v1/feedback" if label == "api" else "/dashboard/queue"
                path, headers = (
                    f"{prefix}?{urlencode(params)}",
                    api_headers if label == "api" else {},
                )
            started = time.perf_counter()
            status, _, body = client.request("GET", path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status != 200:
                    results["errors"].append(status)
                    continue
                results[label].append(elapsed)
            if label == "api" and len(cursors) < 10:
                found = NEXT_CURSOR.search(body)
                if found:
                    nxt = dict(params)
                    nxt["cursor"] = found.group(1).decode()
                    cursors.append(nxt)

    threads = [threading.Thread(target=worker, args=(state,)) for state in states]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def server_cpu_seconds(leader: int) -> float:
    """User and system CPU time of every process in gunicorn's process group (Linux /proc)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == leader:  # its process group
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    rng = random.Random(20241001)
    state = Path(tempfile.mkdtemp(prefix="convene-bench-dashboard-"))
    url = os.environ.get("CONVENE_BENCH_DATABASE_URL", f"sqlite:///{state / 'convene.sqlite3'}")
    env = {
        **os.environ,
        "CONVENE_STATE_DIR": str(state),
        "CONVENE_DATABASE_URL": url,
        "CONVENE_SECRET_KEY": "bench-secret",
        "CONVENE_CONFIG_FILE": str(state / "none.toml"),
    }
    config = load_config(env={k: v for k, v in env.items() if k.startswith("CONVENE_")})
    server = None
    try:
        db = Database(config)
        db.upgrade()
        t0 = time.perf_counter()
        data = seed(db, rng)
        db.dispose()
        print(f"seeded {ITEMS} comments in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:services.web.gunicorn_conf",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--pythonpath",
                str(Path(__file__).parent),
                "--log-level",
                "warning",
                "dashboard_bench_app:app",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        t0 = time.perf_counter()
        for _ in range(600):
            try:
                if Client(port).request("GET", "/_bench/baseline")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        print(f"server ready (warmed up) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        # The two loads take turns, so a change in this machine's speed (CPUs shared with
        # other machines) weighs on both alike; their totals stay 20 s and 10 s.
        mixed_states = [new_thread_state(port, data, n, "mixed") for n in range(CONCURRENCY)]
        baseline_states = [new_thread_state(port, data, n, "baseline") for n in range(CONCURRENCY)]
        mixed, baseline = defaultdict(list), defaultdict(list)
        cpu_seconds = [0.0, 0.0]
        for _ in range(ROUNDS):
            for n, (kind, seconds, states, results) in enumerate(
                (
                    ("mixed", DURATION, mixed_states, mixed),
                    ("baseline", BASELINE_DURATION, baseline_states, baseline),
                )
            ):
                before = server_cpu_seconds(server.pid)
                for label, values in load(port, data, seconds / ROUNDS, kind, states).items():
                    results[label].extend(values)
                cpu_seconds[n] += server_cpu_seconds(server.pid) - before
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)
    if mixed["errors"] or baseline["errors"]:
        print(f"errors: {sorted(set(mixed['errors'] + baseline['errors']))}", file=sys.stderr)
    done = len(mixed["api"]) + len(mixed["page"])
    # Where the time goes, for whoever reads this next: server CPU per request of each load.
    per_request = [
        seconds * 1000 / max(1, n)
        for seconds, n in zip(cpu_seconds, (done, len(baseline["baseline"])))
    ]
    print(
        f"server CPU per request: mixed={per_request[0]:.2f} ms baseline={per_request[1]:.2f} ms",
        file=sys.stderr,
    )
    print(
        f"requests: api={len(mixed['api'])} page={len(mixed['page'])} "
        f"baseline={len(baseline['baseline'])} errors={len(mixed['errors'])}",
        file=sys.stderr,
    )
    print(
        f"bench dashboard: items={ITEMS} "
        f"api_p50_ms={percentile(mixed['api'], 50):.1f} api_p95_ms={percentile(mixed['api'], 95):.1f} "
        f"page_p95_ms={percentile(mixed['page'], 95):.1f} rps={done / DURATION:.1f} "
        f"baseline_rps={len(baseline['baseline']) / BASELINE_DURATION:.1f}"
    )


if __name__ == "__main__":
    main()
