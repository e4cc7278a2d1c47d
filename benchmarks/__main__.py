"""Every benchmark in one run, each against its baseline measured in the same run:

    python -m benchmarks            # probe speed, app speed (cold start, responsiveness, memory), a move's reply,
                                    # real model, soak, memory by component, the collector, a class of thirty
    python -m benchmarks --quick    # fewer repeats and nudges, a 30 s soak
    python -m benchmarks --smoke    # CI's guard only: a 5-session, 20 s soak (errors, bounded memory)

Prints the tables the README records.  Missed speed or memory targets are printed as MISSED and
do not fail the run (speed is measured, not asserted); errors in the app or a failed soak
(an error in any session, or memory not bounded) exit with status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import torch

from . import app_speed, classroom, collector, memory, probe_speed, real_model, reply, soak


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats and nudges, a 30 s soak")
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="CI's guard only, in about a minute: a 5-session, 20 s soak (an error in any session, or memory "
        "not bounded, fails); the speed and memory tables need the full or --quick run",
    )
    ap.add_argument("--sessions", type=int, default=None, help="browser sessions in the soak (default 10; smoke 5)")
    args = ap.parse_args(argv)
    sessions = args.sessions or (5 if args.smoke else 10)
    started = time.perf_counter()
    if args.smoke:
        return _smoke(sessions, started)

    print("## Probe speed (exact probe against naive float32 autograd, same run)\n")
    probe_speed.main(["--quick"] if args.quick else [])

    print("\n## The app in headless Chromium (floor: one slider and a 1000-point Altair line, same run)\n")
    report = asyncio.run(app_speed.measure(nudges=2 if args.quick else 4))
    if not report.floor_ms or not all(report.pages_ms.values()):
        print("a page (or the floor) gave no slider timings:", *report.errors, sep="\nERROR: ")
        return 1
    text, missed = app_speed.table(report)
    print(text)

    print("\n## The server's reply to a cached move (one Python client, no browser)\n")
    replies = asyncio.run(reply.measure(20 if args.quick else reply.MOVES))
    print(reply.table(replies))
    reply_errors = [e for r in replies for e in r.errors]

    print("\n## The real Transformer (all-MiniLM-L6-v2): load, views and gradient, against a bare import\n")
    real_text, real_missed = real_model.table(real_model.measure(2 if args.quick else 3))
    print(real_text)
    missed += real_missed

    seconds = 30.0 if args.quick else 60.0
    print(f"\n## Soak: {sessions} sessions moving sliders for {seconds:.0f} s against one server\n")
    soaked = asyncio.run(soak.soak(sessions, seconds))
    soak_text, soak_ok = soak.summary(soaked)
    print(soak_text)

    print("\n## Where the bytes go: each component in a fresh interpreter\n")
    print(memory.table(memory.measure()))

    print("\n## The garbage collector's full pass, before and after the imports are frozen\n")
    print(collector.table(collector.measure()))

    students = 10 if args.quick else classroom.STUDENTS
    print(f"\n## A class: {students} students follow the talk from a cold server, one Chromium student beside them\n")
    taught = asyncio.run(classroom.classroom(students))
    class_text, class_met = classroom.summary(taught)
    print(class_text)
    if not class_met:
        missed.append("the class: a target above is MISSED")

    print(f"\ntorch {torch.__version__}; all benchmarks took {time.perf_counter() - started:.0f} s")
    for line in missed:
        print(f"MISSED: {line}")
    for line in report.errors + reply_errors + soaked.errors[:50] + taught.errors[:50]:
        print(f"ERROR: {line}")
    ok = not report.errors and not reply_errors and soak_ok and not taught.errors
    print("benchmarks: no errors" if ok else "benchmarks: FAILED (errors above)")
    return 0 if ok else 1


def _smoke(sessions: int, started: float) -> int:
    print(f"## Soak: {sessions} sessions moving sliders for 20 s against one server\n")
    soaked = asyncio.run(soak.soak(sessions, 20.0, warm=True))  # cold, five first loads filled the 20 s (no moves)
    text, ok = soak.summary(soaked)
    print(text)
    print(f"\nall benchmarks took {time.perf_counter() - started:.0f} s")
    for line in soaked.errors[:50]:
        print(f"ERROR: {line}")
    print("benchmarks: no errors" if ok else "benchmarks: FAILED (errors above)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
