"""How long each chapter takes, per profile, against its time budget.

Runs every chapter script (``chapters/chNN_*.py``) top to bottom in a fresh
Python process, one at a time, and prints its wall time, CPU time (user +
system of the process and its children) and peak memory, with the budget of
its profile: ``tiny`` within 60 s (tests and CI), ``default`` within 5
minutes (a laptop CPU), both on 2 cores. ``full`` has no budget: it is meant
for a GPU.

    python benchmarks/chapter_times.py                        # every chapter, tiny and default
    python benchmarks/chapter_times.py --profiles tiny        # only the test profile
    python benchmarks/chapter_times.py --chapters ch03 ch05   # some chapters
    python benchmarks/chapter_times.py --threads 2            # torch threads per chapter

Data sets that are not in the cache are replaced by mock data, as in the
tests (``WORKBOOK_MOCK_DATA=1``, the default here; ``--real-data`` turns it
off). Figures go to a scratch folder, each chapter's output to
``benchmarks/.work/chapter-times/<chapter>-<profile>.log``, the figures to
``benchmarks/results/chapter_times.json``. On a shared machine the CPU time
is the figure to quote: the script prints the load average before and after.
It exits 1 if a chapter fails, and with ``--strict`` 3 if one is over budget.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "chapter-times"
RESULTS = Path("benchmarks") / "results" / "chapter_times.json"  # under ROOT
BUDGETS = {"tiny": 60.0, "default": 300.0, "full": None}


@dataclass
class Timing:
    chapter: str
    profile: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    returncode: int
    budget_s: float | None
    log: str

    @property
    def within_budget(self) -> bool | None:
        return None if self.budget_s is None else self.wall_s <= self.budget_s

    @property
    def verdict(self) -> str:
        if self.returncode != 0:
            return f"FAILED (exit {self.returncode})"
        if self.budget_s is None:
            return "no budget"
        return "within budget" if self.within_budget else "OVER BUDGET"


def chapter_scripts(selected: list[str] | None) -> dict[str, Path]:
    scripts = {path.name[:4]: path for path in sorted((ROOT / "chapters").glob("ch[0-9][0-9]_*.py"))}
    if not selected:
        return scripts
    unknown = [key for key in selected if key not in scripts]
    if unknown:
        raise SystemExit(f"chapter_times: no chapter {', '.join(unknown)}; the chapters are {', '.join(scripts)}")
    return {key: scripts[key] for key in selected}


def chapter_env(profile: str, threads: int, mock: bool, figures: Path) -> dict[str, str]:
    env = {**os.environ, "WORKBOOK_PROFILE": profile, "KERAS_BACKEND": "torch", "MPLBACKEND": "Agg",
           "WORKBOOK_TORCH_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "WORKBOOK_FIGURES": str(figures), "PYTHONUNBUFFERED": "1"}
    if mock:
        env["WORKBOOK_MOCK_DATA"] = "1"
    return env


def time_chapter(key: str, script: Path, profile: str, env: dict[str, str]) -> Timing:
    """Run one chapter; CPU and memory come from wait4, so they are the
    chapter's own and not this script's."""
    WORK.mkdir(parents=True, exist_ok=True)
    log_path = WORK / f"{key}-{profile}.log"
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except KeyboardInterrupt:
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux, bytes on macOS
    rss_mib = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Timing(key, profile, round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2),
                  round(rss_mib, 1), process.returncode, BUDGETS[profile], str(log_path.relative_to(ROOT)))


def load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def print_table(timings: list[Timing]) -> None:
    print(f"\n| chapter | profile | wall | CPU (user + sys) | peak RSS | budget | verdict |")
    print("|---|---|---|---|---|---|---|")
    for t in timings:
        budget = "none" if t.budget_s is None else f"{t.budget_s:.0f} s"
        print(f"| {t.chapter} | {t.profile} | {t.wall_s:.1f} s | {t.cpu_s:.1f} s | {t.peak_rss_mib:.0f} MiB"
              f" | {budget} | {t.verdict} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapters", nargs="+", metavar="chNN", help="e.g. ch03 ch05 (default: all)")
    parser.add_argument("--profiles", nargs="+", choices=list(BUDGETS), default=["tiny", "default"])
    parser.add_argument("--threads", type=int, default=1, help="torch threads per chapter (default 1)")
    parser.add_argument("--real-data", action="store_true",
                        help="fail on a missing data set instead of using mock data")
    parser.add_argument("--strict", action="store_true", help="exit 3 if a chapter is over budget")
    parser.add_argument("--results", type=Path, help=f"JSON output (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    scripts = chapter_scripts(args.chapters)

    print(f"{len(scripts)} chapters x profiles {', '.join(args.profiles)}; {os.cpu_count()} CPUs,"
          f" {args.threads} torch thread(s), {'real' if args.real_data else 'mock'} data where not cached;"
          f" load before {load()}", flush=True)
    timings = []
    with tempfile.TemporaryDirectory(prefix="chapter-times-figures-") as figures:
        for profile in args.profiles:
            env = chapter_env(profile, args.threads, not args.real_data, Path(figures))
            for key, script in scripts.items():
                print(f"  {key} {profile} ...", end=" ", flush=True)
                timing = time_chapter(key, script, profile, env)
                print(f"{timing.wall_s:.1f} s wall, {timing.cpu_s:.1f} s CPU: {timing.verdict}"
                      + ("" if timing.returncode == 0 else f"; see {timing.log}"), flush=True)
                timings.append(timing)
    after = load()
    print_table(timings)
    print(f"\nload after {after}")

    results = args.results or ROOT / RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "python": platform.python_version(),
        "cpus": os.cpu_count(), "threads": args.threads, "mock_data": not args.real_data,
        "timings": [{**asdict(t), "within_budget": t.within_budget} for t in timings]}, indent=2) + "\n")
    print(f"figures written to {results}")
    if any(t.returncode != 0 for t in timings):
        return 1
    if args.strict and any(t.within_budget is False for t in timings):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
