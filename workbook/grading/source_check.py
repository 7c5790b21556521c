"""Trusted source checks: does an exercise's code name a forbidden class?

For statements like "write the layer yourself, without Dense". The model the
worker describes cannot settle that alone: a student-defined layer is opaque
to the grader (its code runs only in the worker, which can lie). The grader
does hold the submission's text, so it reads the exercise cell -- and every
top-level definition of the student's other cells that the exercise uses,
transitively -- with ``ast`` and reports each forbidden name used as a name,
an attribute, an imported name or inside a string, plus dynamic look-ups
(``getattr``, ``eval``, ...) that could spell a name in pieces. The name ``"@"``
stands for the matrix-product operator (``A @ B``, ``A @= B``).
"""

from __future__ import annotations

import ast
import re
import threading

# Ways to reach a class without writing its name.
DYNAMIC = ("getattr", "eval", "exec", "compile", "__import__", "importlib", "globals", "vars",
           "locals", "__dict__", "__getattribute__", "__getattr__", "attrgetter", "methodcaller",
           "__doc__")


def forbidden_uses(sources: dict[str, str], exercise_id: str, names) -> list[str]:
    """What the exercise's code (and what it uses) names from ``names`` or DYNAMIC."""
    if exercise_id not in sources:
        return [f"(no source found for {exercise_id}: its cell is missing)"]
    trees = {key: _parse(text) for key, text in sources.items()}
    if trees[exercise_id] is None:
        return [f"(the cell of {exercise_id} does not parse)"]
    nodes = _used_code(trees, exercise_id)
    # "@" among the names forbids the matrix-product operator (it is no name).
    words = [(name, re.compile(rf"\b{re.escape(name)}\b")) for name in names if name != "@"]
    found: dict[str, None] = {}
    # A string that is a statement of its own (a docstring) does nothing, so
    # "the dot product" in a docstring is no use of dot; reading one back
    # needs __doc__, which is flagged with the other dynamic look-ups.
    inert = {id(s.value) for node in nodes for s in ast.walk(node)
             if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)}
    for node in nodes:
        for walked in ast.walk(node):
            if ("@" in names and isinstance(walked, (ast.BinOp, ast.AugAssign))
                    and isinstance(walked.op, ast.MatMult)):
                found.setdefault(f"@ (line {walked.lineno})", None)
            for identifier in _identifiers(walked):
                if identifier in names or identifier in DYNAMIC:
                    found.setdefault(f"{identifier} (line {getattr(walked, 'lineno', '?')})", None)
            if (isinstance(walked, ast.Constant) and isinstance(walked.value, str)
                    and id(walked) not in inert):
                for name, word in words:
                    if word.search(walked.value):
                        found.setdefault(f"'{name}' in a string (line {walked.lineno})", None)
    return list(found)


# CPython 3.11 keeps the AST constructor's recursion depth per interpreter,
# not per thread: two threads in ast.parse at once (the grader checks
# submissions on several threads) can fail with "SystemError: AST
# constructor recursion depth mismatch" (python/cpython#106905).
_PARSE_LOCK = threading.Lock()


def _parse(text: str):
    source = strip_magics(text)
    for attempt in range(3):
        try:
            with _PARSE_LOCK:
                return ast.parse(source)
        except (SyntaxError, ValueError, RecursionError):
            return None
        except SystemError:
            # the same bug, set off by a thread outside our lock: parse again
            if attempt == 2:
                raise


def strip_magics(source: str) -> str:
    """IPython magics and shell lines become ``pass`` (as the worker runs them)."""
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _identifiers(node) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.alias):
        return [node.name.split(".")[-1], *node.name.split("."), *([node.asname] if node.asname else [])]
    if isinstance(node, ast.ImportFrom) and node.module:  # from workbook.seq2seq import bleu
        return node.module.split(".")
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    return []


def _bound_names(statement) -> set[str]:
    """The top-level names a statement defines."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    return {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def _used_code(trees: dict, exercise_id: str) -> list:
    """The exercise's statements plus the other cells' definitions it reaches."""
    others = [s for key, tree in trees.items() if key != exercise_id and tree is not None
              for s in tree.body]
    chosen = list(trees[exercise_id].body)
    used = {n.id for s in chosen for n in ast.walk(s) if isinstance(n, ast.Name)}
    while True:
        more = [s for s in others if s not in chosen and _bound_names(s) & used]
        if not more:
            return chosen
        chosen += more
        used |= {n.id for s in more for n in ast.walk(s) if isinstance(n, ast.Name)}
