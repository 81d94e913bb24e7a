"""The default project in production: the service under load, and monitoring that fires.

Runs in the session's reproduced default project (after `dvc repro`): uvicorn with two
workers on 127.0.0.1 takes 2,000 requests from 16 threads; `/metrics` (summed over the
workers through ``PROMETHEUS_MULTIPROC_DIR``) counts them, and the sampled inference log
holds valid rows within its bound. Then `python -m <package> monitor` (the project's own
command) passes a batch drawn from the training split and fails, naming it, a batch where
one feature moved by 3 standard deviations.
"""

from __future__ import annotations

import csv
import http.client
import json
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.batches import batch
from tests.support.commands import project_env, uv, uv_binary

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PACKAGE = "my_ml_project"
REQUESTS, CONCURRENCY = 2_000, 16
SAMPLE, BOUND = 0.25, 200_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rows(project: Path, name: str) -> tuple[list[str], list[list[float]]]:
    with (project / "data" / "prepared" / name).open(encoding="utf-8") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        return header, [[float(value) for value in row] for row in reader]


def _call(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wait_until_up(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the service exited {server.returncode}: {server.communicate()[1]}")
        try:
            status, body = _call(port, "GET", "/health")
            if status == 200 and json.loads(body)["model_loaded"]:
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail("the service did not come up in 90 s")


def _metric(text: str, line_start: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(line_start))


def test_the_service_under_load_counts_every_request_and_bounds_its_log(
    reproduced: Path, tmp_path: Path
) -> None:
    header, rows = _rows(reproduced, "test.csv")
    features = header[:-1]  # the target is last
    bodies = [
        json.dumps({"features": dict(zip(features, row[:-1], strict=True))}).encode()
        for row in rows
    ]
    port, multiproc = _free_port(), tmp_path / "prometheus"
    multiproc.mkdir()
    env = project_env(reproduced) | {
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "INFERENCE_LOG": str(tmp_path / "inference-{pid}.jsonl"),
        "INFERENCE_LOG_SAMPLE": str(SAMPLE),
        "INFERENCE_LOG_MAX_BYTES": str(BOUND),
    }
    argv = [uv_binary(), "run", "--no-sync", "uvicorn", f"{PACKAGE}.serving.app:app"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        argv, cwd=reproduced, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_until_up(port, server)
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            statuses = list(
                pool.map(lambda i: _call(port, "POST", "/predict", bodies[i % len(bodies)])[0],
                         range(REQUESTS))
            )  # fmt: skip
        assert statuses.count(200) == REQUESTS, {s: statuses.count(s) for s in set(statuses)}
        status, text = _call(port, "GET", "/metrics")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert status == 200
    metrics = text.decode()
    assert _metric(metrics, 'requests_total{endpoint="/predict",status="200"}') == REQUESTS
    assert _metric(metrics, "predictions_total{") == REQUESTS
    assert _metric(metrics, 'request_duration_seconds_count{endpoint="/predict"}') == REQUESTS
    logs = sorted(tmp_path.glob("inference-*.jsonl*"))
    assert logs, "no inference log was written"
    lines = [line for path in logs for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(path.stat().st_size <= BOUND for path in logs)
    # Sampled: about a quarter of the rows (the rotation drops at most the oldest files).
    assert 0.15 * REQUESTS < len(lines) < 0.35 * REQUESTS
    entry = json.loads(lines[-1])
    assert set(entry["features"]) == set(features)
    assert entry["model_version"] == "1"


def _batch(project: Path, path: Path, *, shift: str | None, labels: bool) -> None:
    batch(project / "data" / "prepared" / "train.csv", path, shift=shift, labels=labels)


def test_monitor_passes_the_training_distribution_and_names_a_shifted_feature(
    reproduced: Path, tmp_path: Path
) -> None:
    out = ["--report", str(tmp_path / "report.md"), "--metrics", str(tmp_path / "m.json")]
    _batch(reproduced, tmp_path / "same.csv", shift=None, labels=True)
    uv("run", "--no-sync", "python", "-m", PACKAGE, "monitor", str(tmp_path / "same.csv"), *out,
       cwd=reproduced)  # fmt: skip
    report = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert report["breached"] is False
    assert report["performance"]["value"] >= report["performance"]["floor"]
    shifted = "mean texture"
    _batch(reproduced, tmp_path / "shifted.csv", shift=shifted, labels=False)
    argv = [uv_binary(), "run", "--no-sync", "python", "-m", PACKAGE, "monitor"]
    proc = subprocess.run(
        [*argv, str(tmp_path / "shifted.csv"), *out],
        cwd=reproduced, env=project_env(reproduced), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert f"drift: '{shifted}'" in proc.stderr
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["drifted"] == [shifted]
    assert f"| {shifted} |" in (tmp_path / "report.md").read_text(encoding="utf-8")
