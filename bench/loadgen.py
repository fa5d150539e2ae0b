"""Drive wrk and read its report: requests/second, p50 and p99 latency, errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROTATE = Path(__file__).resolve().parent / "wrk" / "rotate.lua"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_DURATION = re.compile(r"^\s*([\d.]+)(us|ms|s|m|h)\s*$")


@dataclass(frozen=True)
class Run:
    """One wrk run's figures (latencies in milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        """Return the failed requests: non-2xx answers and socket errors."""
        return self.non_2xx + self.socket_errors


def wrk_path() -> str | None:
    """Return the wrk executable, or None when it is not installed."""
    return shutil.which("wrk")


def to_ms(text: str) -> float:
    """Return a wrk duration (`812.00us`, `5.27ms`, `1.02s`, `2.00m`) in milliseconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> Run:
    """Return the figures of a `wrk --latency` report."""
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.M))
    done = re.search(r"^\s*(\d+) requests in ([\d.]+\w+)", output, re.M)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if done is None or rps is None or "50" not in percentiles or "99" not in percentiles:
        raise ValueError(f"not a wrk --latency report:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Run(
        requests=int(done.group(1)),
        seconds=to_ms(done.group(2)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=to_ms(percentiles["50"]),
        p99_ms=to_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def write_requests(path: Path, requests: Sequence[tuple[str, ...] | tuple[Any, ...]]) -> Path:
    """Write the request file rotate.lua reads: METHOD<TAB>PATH[<TAB>BODY[<TAB>ETAG]] a
    line (ETAG: sent as `If-None-Match`)."""
    with path.open("w", encoding="utf-8") as handle:
        for method, target, body, *tag in requests:
            line = f"{method}\t{target}"
            if body or tag:
                line += f"\t{body or ''}"
            if tag and tag[0]:
                line += f"\t{tag[0]}"
            handle.write(line + "\n")
    return path


def read_requests(path: Path) -> list[tuple[str, str]]:
    """Return the (method, path) of each line of a request file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        method, target, *_ = line.split("\t")
        out.append((method, target))
    return out


def run(
    url: str,
    *,
    seconds: int,
    connections: int,
    requests: Path | None = None,
    key: str | None = None,
    timeout_s: int = 30,
) -> tuple[Run, str]:
    """Load `url` with wrk (one thread) and return its figures and its raw report."""
    exe = wrk_path()
    if exe is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    # One wrk thread leaves the second core to the server; it drives 32 connections with
    # room to spare at the rates a single uvicorn worker reaches.
    command = [
        exe,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout_s}s",
        "--latency",
    ]
    if requests is not None:
        command += ["-s", str(ROTATE), url, "--", str(requests), key or ""]
    else:
        command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout), done.stdout
