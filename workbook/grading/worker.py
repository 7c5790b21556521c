"""The worker: runs the student's program and answers the grader's requests.

Started by the trusted grader as ``python -m workbook.grading.worker --rfd R
--wfd W``. It reads requests from fd R and writes answers to fd W (stdout and
stderr belong to the student's prints). Requests:

* ``exec``  -- run one cell of the rebuilt program;
* ``call``  -- call a function the program defined and return plain data
  (optionally describe the Keras model it returns and run it on inputs, or
  add the gradients with respect to its tensor arguments: ``gradients``);
* ``has``   -- whether a name is a defined function;
* ``inspect`` -- rebuild a serialized model and describe it (sent only to a
  second worker that never runs a student cell: ``runner.Inspector``);
* ``seed``  -- reseed the random state (Python, numpy, torch, Keras) before a
  check;
* ``quit``.

Nothing this process says is trusted: the grader re-validates every answer
and compares results with its own code.
"""

from __future__ import annotations

import argparse
import builtins
import os
import sys
import warnings

import workbook  # noqa: F401  (selects the torch backend first)
from workbook.grading.api import StudentError
from workbook.grading.local import (
    invoke,
    reseed_random_state,
    student_traceback,
    warnings_worth_showing,
)
from workbook.grading.local import inspect_request
from workbook.grading.source_check import strip_magics
from workbook.grading.wire import read_message, write_message

MAX_WARNINGS = 20


def _execute(namespace: dict, source: str, label: str) -> None:
    try:
        code = compile(strip_magics(source), f"<{label}>", "exec")
    except SyntaxError as error:
        raise StudentError("SyntaxError", f"{error.msg} (line {error.lineno})") from None
    try:
        exec(code, namespace)
    except (Exception, SystemExit) as error:
        raise StudentError(type(error).__name__, str(error), student_traceback(error)) from None


def _handle(namespace: dict, request: dict):
    op = request.get("op")
    if op == "exec":
        _execute(namespace, str(request["source"]), str(request.get("label", "cell")))
        return None
    if op == "call":
        return invoke(
            namespace,
            str(request["name"]),
            request.get("args", []),
            request.get("kwargs", {}),
            request.get("model"),
            request.get("gradient"),
        )
    if op == "has":
        return callable(namespace.get(str(request["name"])))
    if op == "inspect":  # only ever sent to a worker that ran no student cell
        return inspect_request(request)
    if op == "seed":
        reseed_random_state(request.get("seed"))
        return None
    raise StudentError("ProtocolError", f"unknown request {op!r}")


def _format_warnings(caught) -> list[str]:
    return warnings_worth_showing(caught)[:MAX_WARNINGS]


def serve(reader, writer) -> None:
    import keras  # noqa: F401  -- pay the import before any budget starts
    import numpy  # noqa: F401
    import torch  # noqa: F401

    namespace = {"__name__": "__main__", "__builtins__": builtins}
    write_message(writer, {"ok": True, "value": "ready", "pid": os.getpid()})
    while True:
        try:
            request = read_message(reader)
        except EOFError:
            return
        if request.get("op") == "quit":
            write_message(writer, {"ok": True, "value": "bye"})
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                answer = {"ok": True, "value": _handle(namespace, request)}
            except StudentError as error:
                answer = {
                    "ok": False,
                    "error": {
                        "type": error.error_type,
                        "message": error.message[:2000],
                        "traceback": error.traceback,
                    },
                }
        answer["warnings"] = _format_warnings(caught)
        try:
            write_message(writer, answer)
        except Exception as error:  # e.g. an unsendable value slipped through
            write_message(
                writer,
                {"ok": False, "error": {"type": "UnreadableResult", "message": str(error)}},
            )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rfd", type=int, required=True)
    parser.add_argument("--wfd", type=int, required=True)
    args = parser.parse_args(argv)
    reader = os.fdopen(args.rfd, "rb", buffering=0)
    writer = os.fdopen(args.wfd, "wb")
    serve(reader, writer)
    sys.stdout.flush()
    # Skip interpreter teardown: student threads or atexit hooks must not
    # keep a finished worker alive.
    os._exit(0)


if __name__ == "__main__":
    main()
