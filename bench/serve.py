"""Service benchmark on loopback: verifications and submissions through ``attest serve``,
with the server killed (SIGKILL) and restarted in the middle of the submissions.

    python bench/serve.py [--verifies 10000] [--items 100000] [--per-request 1 100]
                          [--concurrency 32] [--verify-workers 0]

Phases, each against a real ``attest serve`` subprocess on 127.0.0.1:

1. ``verify``: POST /verify of issued bundles (JSON), ``--concurrency`` connections.
2. ``add``: ``--items`` distinct digests, for each ``--per-request`` size a fresh run; half
   way through each run the server gets SIGKILL and is started again on the same log, and
   requests that got no answer are sent again. Afterwards every acknowledged index is
   read back through the tiles and must hold the digest it was acknowledged for.

The load generator is a minimal asyncio HTTP/1.1 client on keep-alive connections, and
every submission is signed before the clock starts, so its cost is not in the figures; it
still shares the machine's cores with the server. Latency is per request, from sending to
the whole answer read. "Server CPU per item" is the server process's CPU time (all its
threads, from /proc) over the items it answered: 1 s divided by it is what one dedicated
core could sustain.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import machine, table

from attest.codec.digest import Digest
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import EvidenceFile, IssueRequest, issue_many
from attest.keys.did_key import encode_did_key
from attest.keys.ed25519 import PrivateKey
from attest.keys.keyfile import NamedKey, encode_key_file
from attest.store.log import Log
from attest.tlog import note
from attest.tlog.entry import LogEntry
from attest.tlog.submission import Submission, SubmittedEntry, new_nonce, sign_submission
from attest.tlog.tiles import TILE_WIDTH, decode_bundle

ORIGIN = "bench.example/shared"
LOG_KEY = PrivateKey(b"\x51" * 32)
ISSUER = PrivateKey(b"\x52" * 32)
SUBMITTER = PrivateKey(b"\x53" * 32)
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0

PACT = b"""
id = "urn:example:pact:bench"
version = "1.0.0"
subject_kind = "ai-agent"
[[obligation]]
metric = "task_success_rate"
comparator = ">="
threshold = 0.9
unit = "ratio"
dimension = "reliability"
"""


def results(now: datetime) -> bytes:
    start, end = now - timedelta(days=10), now - timedelta(days=1)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f"""
method = "bench/1"
period_start = {start.strftime(fmt)}
period_end = {end.strftime(fmt)}
[[metric]]
name = "task_success_rate"
value = 0.95
unit = "ratio"
sample_size = 500
""".encode()


def policy_text(vkey: str) -> str:
    return f"""
version = 1
[freshness]
max_evidence_age = "90d"
status_unknown = "accept"
[[issuer]]
name = "bench"
id = "{encode_did_key(ISSUER.public_key)}"
dimensions = ["reliability"]
[[log]]
origin = "{ORIGIN}"
key = "{vkey}"
[[threshold]]
dimension = "reliability"
metric = "task_success_rate"
comparator = ">="
value = 0.9
"""


# --- the server process --------------------------------------------------------------------


@dataclass
class Server:
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0

    def start(self) -> None:
        argv = [*self.argv, "--port", str(self.port)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("serving "):
            raise SystemExit(f"the server did not start: {line!r}")
        self.port = int(line.split(" at ", 1)[1].split(" ", 1)[0].rsplit(":", 1)[1])

    def cpu(self) -> float:
        """CPU seconds the server process used so far, every thread (Linux; else 0)."""
        assert self.proc is not None
        try:
            with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


# --- a minimal HTTP/1.1 client -----------------------------------------------------------------


class Conn:
    """One keep-alive connection; one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(head + body)
        line = await self.reader.readuntil(b"\r\n")
        status = int(line.split(b" ", 2)[1])
        length = 0
        while (h := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = h.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


def head(path: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    answers: dict[int, bytes] = field(default_factory=dict)
    retried: int = 0
    seconds: float = 0.0


async def drive(
    requests: Sequence[tuple[bytes, bytes]],
    port: Callable[[], int],
    concurrency: int,
    *,
    keep: bool,
    on_progress: Callable[[int], None] | None = None,
) -> Run:
    """Send every request, ``concurrency`` at a time; a request that got no answer (the
    server died) is sent again on a new connection until it is answered."""
    run = Run()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(requests)):
        queue.put_nowait(i)
    done = 0
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal done
        conn = Conn(port())
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            deadline = clock() + 120
            while True:
                t0 = clock()
                try:
                    status, body = await asyncio.wait_for(
                        conn.request(*requests[i]), REQUEST_TIMEOUT
                    )
                    break
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                    await conn.close()
                    run.retried += 1
                    if clock() > deadline:
                        raise SystemExit(f"request {i} got no answer for 120 s") from None
                    await asyncio.sleep(0.05)
                    conn = Conn(port())
            run.latencies.append(clock() - t0)
            run.statuses[status] = run.statuses.get(status, 0) + 1
            if keep:
                run.answers[i] = body
            done += 1
            if on_progress is not None:
                on_progress(done)
        await conn.close()

    t0 = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.seconds = clock() - t0
    return run


@dataclass
class Window:
    """Where the server's CPU time is counted from: its CPU seconds and the requests done."""

    cpu: float
    done: int = 0
    killed: list[float] = field(default_factory=list)


def killer(server: Server, after: int, window: Window) -> Callable[[int], None]:
    """A progress callback that kills the server with SIGKILL once ``after`` requests were
    answered and starts it again (same port, same log); the CPU count restarts with it."""

    def progress(done: int) -> None:
        if done == after and not window.killed:
            window.killed.append(time.perf_counter())
            server.kill()
            server.start()
            window.killed.append(time.perf_counter())
            window.cpu, window.done = server.cpu(), done

    return progress


def pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


# --- the phases ------------------------------------------------------------------------------


def setup(work: Path, bundles: int) -> tuple[list[bytes], Path, Path, Path]:
    signer = note.Ed25519Signer(ORIGIN, LOG_KEY)
    ev = work / "evidence.json"
    ev.write_text('{"run": 1}\n')
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    pact, res = parse_pact(PACT), parse_results(results(now))
    with Log.create(work / "log", signer) as log:
        reqs = [
            IssueRequest(f"did:web:agent{i}.example", pact, res, [EvidenceFile(ev)])
            for i in range(bundles)
        ]
        issued = [b.encode() for b in issue_many(log=log, issuer=ISSUER, requests=reqs, now=now)]
        vkey = log.config.vkey
    key = work / "log.key"
    key.write_bytes(encode_key_file(NamedKey(ORIGIN, LOG_KEY), None, allow_unencrypted=True))
    subs = work / "submitters.txt"
    subs.write_text(f"{encode_did_key(SUBMITTER.public_key)} bench\n")
    policy = work / "policy.toml"
    policy.write_text(policy_text(vkey))
    return issued, key, subs, policy


def status_phase(
    work: Path, attest: str, count: int, concurrency: int, workers: int
) -> list[list[object]]:
    """POST /verify under a fail-closed policy (status_unknown = "reject"): bundles with both
    status lists stapled, bundles whose lists the server fetches under a loopback prefix, and
    k-of-n requests of 3 bundles. Every answer must be an accept."""
    import dataclasses
    import functools
    import http.server
    import threading

    from attest.evaluation.bundle import parse_bundle
    from attest.vc.status_list import StatusEntry, new_list, status_list_credential

    site = work / "site"
    (site / "status").mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None  # type: ignore[method-assign]
    static = http.server.ThreadingHTTPServer((HOST, 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    base = f"http://{HOST}:{static.server_address[1]}/status/"
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    lists = []
    for purpose in ("revocation", "suspension"):
        doc = status_list_credential(
            ISSUER, url=base + purpose, purpose=purpose, bits=new_list(),
            valid_from=now, valid_until=now + timedelta(days=1),
        )  # fmt: skip
        (site / "status" / purpose).write_text(json.dumps(doc))
        lists.append(doc)
    signer = note.Ed25519Signer(ORIGIN, LOG_KEY)
    ev = work / "evidence.json"
    pact, res = parse_pact(PACT), parse_results(results(now))
    with Log.create(work / "status-log", signer) as log:
        reqs = [
            IssueRequest(
                f"did:web:agent{i}.example",
                pact,
                res,
                [EvidenceFile(ev)],
                status=[
                    StatusEntry(p, i, base + p).to_json() for p in ("revocation", "suspension")
                ],
            )
            for i in range(30)
        ]
        issued = [b.encode() for b in issue_many(log=log, issuer=ISSUER, requests=reqs, now=now)]
        vkey = log.config.vkey
    stapled = [
        dataclasses.replace(parse_bundle(b), status_lists=tuple(lists)).encode() for b in issued
    ]
    policy = work / "status-policy.toml"
    policy.write_text(policy_text(vkey).replace('"accept"', '"reject"'))
    json_type = {"Content-Type": "application/vnd.attest.bundle+json"}
    cases = [
        ("stapled lists", [], stapled),
        ("lists fetched from a loopback issuer (60 s revalidation)", ["--status-source", base],
         issued),
        ("3 bundles (k-of-n), stapled lists", [],
         [b"[" + b",".join(stapled[i : i + 3]) + b"]" for i in range(0, 27, 3)]),
    ]  # fmt: skip
    rows: list[list[object]] = []
    try:
        for label, extra, bodies in cases:
            argv = [attest, "serve", "--log", str(work / "status-log"), "--policy", str(policy)]
            argv += ["--verify-workers", str(workers), "--host", HOST, *extra]
            server = Server(argv)
            server.start()
            try:
                sent = []
                for i in range(count):
                    body = bodies[i % len(bodies)]
                    sent.append((head("/verify", json_type, len(body)), body))
                cpu0 = server.cpu()
                port = functools.partial(getattr, server, "port")
                run = asyncio.run(drive(sent, port, concurrency, keep=True))
                cpu = (server.cpu() - cpu0) / max(1, count) * 1e6
                accepts = sum(
                    json.loads(a).get("decision") == "accept" for a in run.answers.values()
                )
                if accepts != count and not label.startswith("3 bundles"):
                    raise SystemExit(f"{label}: {count - accepts} of {count} not accepted")
                p50, p99 = pcts(run.latencies)
                rows.append(
                    [
                        "POST /verify, status_unknown = reject",
                        f"{count:,} requests, {label}, {concurrency} connections",
                        f"{count / run.seconds:,.0f} requests/s",
                        f"{p50:.1f} / {p99:.1f} ms",
                        f"{cpu:,.0f} µs",
                        json.dumps(run.statuses) + f", {accepts} accepts",
                    ]
                )
            finally:
                server.stop()
    finally:
        static.shutdown()
        static.server_close()
    return rows


def signed_adds(
    items: int, per_request: int, tag: str, respond_async: bool
) -> tuple[list[tuple[bytes, bytes]], list[list[SubmittedEntry]]]:
    requests, groups = [], []
    # Signed ahead of the run; dated a little ahead (inside the ±300 s window) so that a long
    # run stays inside it.
    now = int(time.time()) + 250
    for start in range(0, items, per_request):
        group = [
            SubmittedEntry(
                "evidence",
                Digest(hashlib.sha256(f"{tag}-{i}".encode()).digest()),
                i,
                "application/json",
            )
            for i in range(start, min(items, start + per_request))
        ]
        body, headers = sign_submission(
            Submission(ORIGIN, now, new_nonce(), tuple(group)), SUBMITTER
        )
        headers["Content-Type"] = "application/json"
        if respond_async:
            headers["Prefer"] = "respond-async"
        requests.append((head("/add", headers, len(body)), body))
        groups.append(group)
    return requests, groups


def check_acknowledged(log_dir: Path, acknowledged: dict[int, SubmittedEntry]) -> tuple[int, int]:
    """Read every acknowledged index back from the log's tiles; returns (checked, lost)."""
    from attest.store.log import read_tile_at

    with Log.open(log_dir, write=False) as log:
        size = log.checkpoint_size
    lost = 0
    bundles: dict[int, list[bytes]] = {}
    for index, want in acknowledged.items():
        if index >= size:
            lost += 1
            continue
        tile = index // TILE_WIDTH
        if tile not in bundles:
            width = min(TILE_WIDTH, size - tile * TILE_WIDTH)
            data = read_tile_at(log_dir, size, -1, tile, width)
            bundles[tile] = decode_bundle(data, width)
        e = LogEntry.decode(bundles[tile][index % TILE_WIDTH])
        if (e.kind, e.digest, e.size) != (want.kind, want.digest, want.size):
            lost += 1
    return len(acknowledged), lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifies", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--per-request", type=int, nargs="*", default=[1, 100])
    parser.add_argument(
        "--answer",
        nargs="+",
        choices=["checkpoint", "journal"],
        default=["checkpoint", "journal"],
        help="POST /add answered once checkpointed (200), or once journalled (202, "
        "Prefer: respond-async)",
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--bundles", type=int, default=100)
    parser.add_argument("--verify-workers", type=int, default=0)
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument(
        "--status-verifies", type=int, default=2000, help="Requests per status-list case."
    )
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    work = Path(tempfile.mkdtemp(prefix="attest-bench-serve-"))
    rows: list[list[object]] = []
    notes: list[str] = []
    attest = shutil.which("attest") or str(Path(sys.executable).parent / "attest")
    try:
        bundles, key, subs, policy = setup(work, args.bundles)
        argv = [attest, "serve", "--log", str(work / "log"), "--key", str(key)]
        argv += ["--submitters", str(subs), "--policy", str(policy)]
        argv += ["--verify-workers", str(args.verify_workers), "--host", HOST]
        rows += status_phase(
            work, attest, args.status_verifies, args.concurrency, args.verify_workers
        )
        server = Server(argv)
        server.start()
        try:
            # 1. verification
            reqs: list[tuple[bytes, bytes]] = []
            for i in range(args.verifies):
                b = bundles[i % len(bundles)]
                h = head("/verify", {"Content-Type": "application/vnd.attest.bundle+json"}, len(b))
                reqs.append((h, b))
            cpu0 = server.cpu()
            run = asyncio.run(drive(reqs, lambda: server.port, args.concurrency, keep=False))
            cpu = (server.cpu() - cpu0) / max(1, len(reqs)) * 1e6
            p50, p99 = pcts(run.latencies) if reqs else (0.0, 0.0)
            ok = run.statuses.get(200, 0)
            rows.append(
                [
                    "POST /verify",
                    f"{args.verifies:,} requests, {args.concurrency} connections",
                    f"{ok / run.seconds:,.0f} verifies/s",
                    f"{p50:.1f} / {p99:.1f} ms",
                    f"{cpu:,.0f} µs",
                    json.dumps(run.statuses),
                ]
            )

            # 2. submissions, killed half way through the first run
            runs = [(per, answer) for answer in args.answer for per in args.per_request]
            for n, (per, answer) in enumerate(runs):
                respond_async = answer == "journal"
                requests, groups = signed_adds(args.items, per, f"run{n}-{per}", respond_async)
                kill_after = -1 if args.no_kill else len(requests) // 2
                window = Window(server.cpu())
                progress = killer(server, kill_after, window)
                run = asyncio.run(
                    drive(
                        requests,
                        lambda: server.port,
                        args.concurrency,
                        keep=True,
                        on_progress=progress,
                    )
                )
                acknowledged: dict[int, SubmittedEntry] = {}
                for i, body in run.answers.items():
                    doc = json.loads(body)
                    if "entries" in doc:
                        for item, want in zip(doc["entries"], groups[i], strict=True):
                            acknowledged[item["index"]] = want
                accepted = len(acknowledged)
                cpu = (server.cpu() - window.cpu) / ((len(requests) - window.done) * per) * 1e6
                killed_at = window.killed
                p50, p99 = pcts(run.latencies)
                what = (
                    f"{args.items:,} items, {per} per request, {args.concurrency} connections, "
                    f"answered once {'journalled' if respond_async else 'checkpointed'}"
                )
                if killed_at:
                    what += f", SIGKILL + restart ({killed_at[1] - killed_at[0]:.1f} s) half way"
                rows.append(
                    [
                        "POST /add",
                        what,
                        f"{accepted / run.seconds:,.0f} items/s",
                        f"{p50:.1f} / {p99:.1f} ms",
                        f"{cpu:,.0f} µs",
                        json.dumps(run.statuses)
                        + (f", resent {run.retried}" if run.retried else ""),
                    ]
                )
                server.stop()
                checked, lost = check_acknowledged(work / "log", acknowledged)
                notes.append(
                    f"- {per} per request, {answer}: {checked:,} acknowledged indices read "
                    f"back from the tiles after the run, {lost} lost or different"
                    + (", across a SIGKILL and restart" if killed_at else "")
                )
                if lost:
                    raise SystemExit(f"{lost} acknowledged submissions were lost")
                if len(acknowledged) != args.items:
                    raise SystemExit(f"only {len(acknowledged)} of {args.items} acknowledged")
                server.start()
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# Service benchmark (bench/serve.py)\n\n{machine()}\n")
    header = ["endpoint", "load", "throughput", "p50 / p99", "server CPU per item", "statuses"]
    print(table(header, rows))
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
