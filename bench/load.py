"""Load the portal through gunicorn on PostgreSQL: staff browsing, or clerks at the counter.

    python bench/load.py browse                     # 32 staff, 60 s, schema bench_lists
    python bench/load.py counter --schema bench_load --seed 20000
    python bench/load.py browse --clients 2 --seconds 2 --schema bench_load

Starts ``portal serve --prod`` (gunicorn, ``--workers`` processes) on a free loopback
port against the PostgreSQL schema ``--schema`` of ``DATABASE_URL``, logs each client in,
and lets every client send its next request as soon as the last one answered, for
``--seconds``. Only 127.0.0.1 is ever asked; the server is stopped at the end.

browse:  worker list pages, searches (full ID, last 6 ID digits, name, pinyin initials,
         phone, employer), filters (category, status, base union, review overdue) and
         file details. Targets (issue 14): >= 100 requests/s, p95 <= 500 ms, 0 errors.
counter: clerks redeem at the love-supermarket counter: find the card, POST the goods
         with the page's CSRF field and one-time token, follow to the next counter page.
         Cards have points and goods have stock (a few scarce goods and poor cards make
         clerks race for the last units). Afterwards stock and card balances are checked
         against their ledgers. Targets: p95 of the redeem POST <= 250 ms, 0 errors,
         0 oversold.

Prints requests/s, p50/p95/p99 and errors, per kind and in all, and "met"/"NOT met" for
each target; exits non-zero only when the run itself failed. The data (users, cards,
goods) is added once and reused; ``--seed N`` first fills an empty schema with
``portal seed --workers N``.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import load_data as data  # noqa: E402
from portal.config import DEFAULT_KEEP_ALIVE  # noqa: E402

HOST = "127.0.0.1"  # loopback only: this bench never sends a request elsewhere
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([0-9a-f]+)"')


class Client:
    """One user's keep-alive connection and cookies; records every request's time."""

    def __init__(self, port: int, results: list):
        self.port, self.results, self.cookies = port, results, {}
        self.conn = None

    def request(self, kind: str, method: str, path: str, form: dict | list | None = None,
                expect=(200,)) -> tuple[int, dict, str]:
        """Send one request and record ``(kind, ms, ok)``; return status, headers, body."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            try:
                response = self._send(method, path, body, headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn closed the kept-alive connection while it was idle, before
                # reading this request: a browser sends it again on a new connection.
                self.conn = None
                response = self._send(method, path, body, headers)
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.results.append((kind, (time.perf_counter() - start) * 1000, False, start))
            self.conn = None
            return 0, {}, repr(exc)
        elapsed = (time.perf_counter() - start) * 1000
        for line in response.headers.get_all("Set-Cookie") or ():
            name, _sep, value = line.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        ok = response.status in expect
        self.results.append((kind, elapsed, ok, start))
        if not ok and len(ERRORS) < 5:
            ERRORS.append(f"{kind}: HTTP {response.status} {method} {path[:80]}")
        return response.status, dict(response.headers), text

    def _send(self, method: str, path: str, body, headers: dict):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        self.conn.request(method, path, body=body, headers=headers)
        return self.conn.getresponse()

    def login(self, username: str) -> None:
        """Log in through the real form (CSRF field included), or raise."""
        _status, _headers, page = self.request("login", "GET", "/login")
        status, _headers, _text = self.request("login", "POST", "/login", {
            "username": username, "password": data.PASSWORD,
            "csrf_token": CSRF.search(page).group(1)}, expect=(302,))
        if status != 302:
            raise RuntimeError(f"login as {username} answered {status}")


ERRORS: list[str] = []


def browse(client: Client, rnd: random.Random, plan: dict, deadline: float) -> None:
    """Browse the worker list like staff: pages, searches, filters, files."""
    files, filters = plan["files"], plan["filters"]
    kinds = (("first page", 3), ("page n", 1), ("full ID", 2), ("last 6 ID digits", 2),
             ("name", 2), ("pinyin initials", 1), ("phone", 1), ("employer", 1),
             ("filter", 2), ("details", 3))
    names, weights = zip(*kinds, strict=True)
    while time.perf_counter() < deadline:
        kind = rnd.choices(names, weights)[0]
        w = rnd.choice(files)
        search = {"full ID": w["id_number"], "last 6 ID digits": w["id_number"][-6:],
                  "name": w["name"], "pinyin initials": w["initials"], "phone": w["phone"],
                  "employer": w["employer"][2:]}.get(kind)
        if search is not None:
            path = "/admin/worker/?search=" + quote(search)
        elif kind == "page n":
            path = f"/admin/worker/?page={rnd.randrange(1, 200)}"
        elif kind == "filter":
            name, arg, values = rnd.choice(filters)
            kind, path = f"filter {name}", "/admin/worker/?" + urlencode(
                {f"flt0_{arg}": rnd.choice(values)})
        elif kind == "details":
            path = f"/admin/worker/details/?id={w['id']}"
        else:
            path = "/admin/worker/"
        client.request(kind, "GET", path)


def counter(client: Client, rnd: random.Random, plan: dict, deadline: float,
            made: list) -> None:
    """Serve holders at the counter like a clerk: find the card, redeem, next holder."""
    status, _headers, page = client.request("counter page", "GET", "/admin/counter/")
    if not CSRF.search(page):
        raise RuntimeError(f"counter page {status}: {page[:300]}")
    csrf = CSRF.search(page).group(1)
    while time.perf_counter() < deadline:
        card = rnd.choice(plan["cards"])
        client.request("find card", "GET", "/admin/counter/find/?q=" + card["card_no"])
        goods = rnd.sample(plan["items"], rnd.randint(1, 3))
        if rnd.random() < 0.1:  # now and then the last units of something
            goods.append(rnd.choice(plan["scarce"]))
        lines = [(item, rnd.randint(1, 3)) for item in {g["id"]: g for g in goods}.values()]
        token = TOKEN.search(page).group(1)
        status, headers, page = client.request("redeem POST", "POST", "/admin/counter/redeem/", [
            ("csrf_token", csrf), ("token", token), ("card_id", card["id"]),
            ("expected_total", f"{sum(i['price'] * q for i, q in lines):.2f}")]
            + [("item_id", i["id"]) for i, _q in lines] + [("quantity", q) for _i, q in lines],
            expect=(302, 200))
        if status == 302:
            made.append(token)
            _status, _headers, page = client.request(
                "counter page", "GET", headers["Location"].split(f":{client.port}", 1)[-1])
        elif status == 200:  # refused: only a poor card or a scarce item may be refused
            made.append(None)
            if not (card["poor"] or any(i["scarce"] for i, _q in lines)):
                client.results.append(("redeem refused", 0.0, False, time.perf_counter()))
                ERRORS.append(f"refused without cause: card {card['card_no']}")
        if not TOKEN.search(page):
            _status, _headers, page = client.request("counter page", "GET", "/admin/counter/")


def run_clients(args, port: int, plan: dict, cpu: dict) -> tuple[list, float, list]:
    """Log the clients in, run them for ``args.seconds``; return results, seconds, tokens.
    ``cpu`` (holding the server's pid) gets the CPU seconds used while measured."""
    username = data.CLERK if args.mode == "counter" else data.STAFF
    clients = [Client(port, []) for _ in range(args.clients)]
    for client in clients:
        client.login(username)
        client.results.clear()
    made: list = []
    start = time.perf_counter() + args.warmup  # each worker process's first pages are slow
    deadline = start + args.seconds
    threads = [threading.Thread(target=_guarded, daemon=True, args=(
        browse if args.mode == "browse" else counter, client, random.Random(n), plan,
        deadline, *([made] if args.mode == "counter" else [])))
        for n, client in enumerate(clients)]
    threads.append(threading.Thread(target=measure_cpu, args=(cpu, start, deadline)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return [r[:3] for c in clients for r in c.results if r[3] >= start], elapsed, made


def _guarded(target, client, *rest) -> None:
    try:
        target(client, *rest)
    except Exception as exc:  # noqa: BLE001 — a crashed client counts as an error
        client.results.append(("client crashed", 0.0, False, time.perf_counter()))
        where = traceback.extract_tb(exc.__traceback__)[-1]
        ERRORS.append(f"client crashed: {exc!r} at line {where.lineno}")


def pct(values: list[float], p: float) -> float:
    """Return the ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def report(results: list, elapsed: float) -> dict:
    """Print requests/s, p50/p95/p99 and errors per kind and in all; return the figures."""
    print(f"{'kind':22} {'requests':>8} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    figures = {}
    kinds = sorted({k for k, _ms, _ok in results}) + ["all"]
    for kind in kinds:
        rows = [r for r in results if kind in ("all", r[0])]
        times = [ms for _k, ms, _ok in rows] or [0.0]
        errors = sum(1 for _k, _ms, ok in rows if not ok)
        figures[kind] = {"n": len(rows), "rps": len(rows) / elapsed, "p50": pct(times, 50),
                         "p95": pct(times, 95), "p99": pct(times, 99), "errors": errors}
        f = figures[kind]
        print(f"{kind:22} {f['n']:8d} {f['rps']:7.1f} {f['p50']:8.0f} {f['p95']:8.0f} "
              f"{f['p99']:8.0f} {max(times):8.0f} {errors:6d}")
    for line in ERRORS:
        print("  first errors:", line)
    return figures


def target(label: str, ok: bool) -> None:
    print(f"  {label:48} {'met' if ok else 'NOT met'}")


def python_speed() -> float:
    """Return the CPU seconds a fixed pure-Python loop takes now: a shared host's speed
    varies from day to day, and the same code's CPU per request with it."""
    start, total = time.process_time(), 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(args, url: str, port: int) -> subprocess.Popen:
    """Start ``portal serve --prod`` on loopback and wait until /healthz answers 200."""
    env = {**os.environ, "DATABASE_URL": data.server_url(url, args.schema),
           "SECRET_KEY": "bench-load-" + "k" * 32, "PORTAL_LOCALE": "zh_CN"}
    portal = Path(sys.executable).with_name("portal")
    server = subprocess.Popen(
        [str(portal), "serve", "--prod", "--host", HOST, "--port", str(port),
         "--workers", str(args.workers), "--threads", str(args.threads),
         "--keep-alive", str(args.keep_alive)],
        env=env, stdout=subprocess.DEVNULL, stderr=open(args.server_log, "w"),  # noqa: SIM115
        start_new_session=True)
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped at start; see {args.server_log}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError("the server did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM to its process group), then for good."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass


def group_cpu(pgid: int) -> float:
    """Return the CPU seconds (user + system) the live processes of group ``pgid`` used."""
    return _cpu(lambda name, fields: int(fields[2]) == pgid)  # fields[2]: the pgrp


def postgres_cpu() -> float:
    """Return the CPU seconds the live PostgreSQL server processes of this machine used
    (a connection's backend that ended meanwhile is not counted)."""
    return _cpu(lambda name, fields: name == "postgres")


def _cpu(wanted) -> float:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:  # ended meanwhile
            continue
        fields = tail.split()
        if wanted(head.partition("(")[2], fields):  # utime and stime at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure_cpu(cpu: dict, start: float, deadline: float) -> None:
    """Put in ``cpu`` the CPU seconds of the clients (this process) and of the server
    (its process group) between ``start`` and ``deadline`` (Linux /proc; else nothing)."""
    if not Path("/proc/self/stat").exists():
        return
    marks = []
    for moment in (start, deadline):
        time.sleep(max(0.0, moment - time.perf_counter()))
        marks.append((time.process_time(), group_cpu(cpu["server"]), postgres_cpu()))
    cpu["clients"] = marks[1][0] - marks[0][0]
    cpu["gunicorn"] = marks[1][1] - marks[0][1]
    cpu["postgres"] = marks[1][2] - marks[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("browse", "counter"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--schema", default="bench_lists",
                        help="PostgreSQL schema of DATABASE_URL (default %(default)s)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="fill an empty schema first with `portal seed --workers N`")
    parser.add_argument("--warmup", type=float, default=5,
                        help="seconds of the same load before the measured ones")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--keep-alive", type=int, default=DEFAULT_KEEP_ALIVE,
                        help="the server's keep-alive seconds (0: a connection a request)")
    parser.add_argument("--server-log", default="/tmp/bench_load_server.log")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgresql"):
        sys.exit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgresql+psycopg://…")
    app = data.make_app(url, args.schema, args.seed)
    plan = data.prepare(app, args.mode, args.clients)
    before = data.snapshot(app) if args.mode == "counter" else None
    load_before = os.getloadavg()[0]  # of the machine; the figure at the end includes ours
    speed = python_speed()
    server = start_server(args, url, (port := free_port()))
    try:
        results, elapsed, made = run_clients(args, port, plan, cpu := {"server": server.pid})
    finally:
        stop_server(server)
    print(f"\n{args.mode}: {args.clients} clients for {elapsed:.1f} s, gunicorn "
          f"{args.workers} workers × {args.threads} threads, keep-alive {args.keep_alive} s, "
          f"schema {args.schema} "
          f"({plan['workers']:,} workers); load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} at the end (with this bench's own)")
    print(f"this machine's speed before the run: a loop of 10 million additions took "
          f"{speed:.2f} s of CPU (compare figures of two runs only at like speeds)")
    figures = report(results, elapsed)
    if "clients" in cpu:  # the measured seconds only
        each = 1000 / max(1, len(results))
        print(f"CPU time while measured: the server {cpu['gunicorn']:.1f} s "
              f"({cpu['gunicorn'] * each:.1f} ms a request), PostgreSQL "
              f"{cpu['postgres']:.1f} s ({cpu['postgres'] * each:.1f} ms a request, with "
              f"whatever else it served), the clients {cpu['clients']:.1f} s, in "
              f"{elapsed:.1f} s on {os.cpu_count()} cores")
    print("targets (issue 14):")
    if args.mode == "browse":
        target(">= 100 requests/s", figures["all"]["rps"] >= 100)
        target("p95 <= 500 ms", figures["all"]["p95"] <= 500)
        target("0 errors", figures["all"]["errors"] == 0)
    else:
        post = figures.get("redeem POST", {"p95": float("inf"), "n": 0})
        sound = data.check_counter(app, before, made)
        target("p95 of the redeem POST <= 250 ms", post["p95"] <= 250)
        target("0 errors", figures["all"]["errors"] == 0)
        target("0 oversold (stock and balances = ledgers, >= 0)", sound)


if __name__ == "__main__":
    main()
