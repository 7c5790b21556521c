"""Small wrong variants of a solution cell, made by editing its syntax tree.

Python's own ``ast`` module parses the cell (it is well kept and ships with
Python; ``ast.unparse`` writes a node back). Each mutant replaces exactly one
node. Its text is the solution's text with only that node's source segment
rewritten, so comments and layout survive and the diff shows one change; the
splice is accepted only if it parses back to the mutated tree.

A mutant is identified by a hash of the mutated cell's normalized source
(``ast.unparse`` of the whole tree): stable across runs and machines, blind to
comments, and changed whenever the solution around it changes.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
from dataclasses import dataclass
from typing import Iterator

KEY_LENGTH = 12
SNIPPET_LENGTH = 70

BINOP_SWAPS = {
    ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div, ast.Pow], ast.Div: [ast.Mult],
    ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv], ast.Pow: [ast.Mult],
    ast.MatMult: [ast.Mult],
}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
COMPARE_SWAPS = {
    ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.GtE], ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
    ast.Is: [ast.IsNot], ast.IsNot: [ast.Is], ast.In: [ast.NotIn], ast.NotIn: [ast.In],
}
# Functions (or methods) swapped for their partner, by name.
NAME_SWAPS = {
    "mean": "sum", "sum": "mean", "max": "min", "min": "max", "amax": "amin", "amin": "amax",
    "maximum": "minimum", "minimum": "maximum", "argmax": "argmin", "argmin": "argmax",
    "sin": "cos", "cos": "sin", "exp": "log", "log": "exp", "zeros": "ones", "ones": "zeros",
    "zeros_like": "ones_like", "ones_like": "zeros_like", "floor": "ceil", "ceil": "floor",
    "var": "std", "std": "var", "sqrt": "square", "square": "sqrt",
}
# One-argument calls replaced by their argument (f(x) -> x).
UNWRAP = {"stop_gradient", "abs", "sqrt", "square", "exp", "log", "relu", "sigmoid", "tanh",
          "softmax", "negative", "round", "floor", "ceil", "detach", "clip"}
AXIS_SWAPS = {0: [1, -1], 1: [0], -1: [0], 2: [1]}
DROPPED_KEYWORDS = ("axis", "keepdims", "training")
# Elementwise functions whose arguments commute: swapping them changes nothing.
COMMUTATIVE = {"add", "multiply", "maximum", "minimum", "equal", "not_equal", "logical_and",
               "logical_or"}


@dataclass(frozen=True)
class Mutant:
    exercise_id: str
    key: str  # hash of the mutated cell's normalized source: a stable id
    description: str  # "line 4 (operator): `a + b` -> `a - b`"
    source: str  # the mutated cell, as graded
    diff: str  # unified diff against the solution cell


def mutants_of(exercise_id: str, source: str) -> list[Mutant]:
    """Every distinct mutant of one solution cell that compiles, in source order."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    seen = {original}
    found = []
    unknown_sizes = _reshape_unknowns(tree)
    for site in _sites(tree):
        node, parent, field, index = site
        for replacement, kind in _mutations(node, parent):
            if id(node) in unknown_sizes and _integer_value(replacement) == 2:
                continue  # NumPy reads reshape(-2) as reshape(-1)
            with _swapped(parent, field, index, replacement):
                normalized = ast.unparse(tree)
                if normalized in seen:
                    continue
                text = _splice(source, node, replacement, ast.dump(tree)) or normalized
            seen.add(normalized)
            try:
                compile(text, f"<mutant of {exercise_id}>", "exec")
            except (SyntaxError, ValueError):
                continue
            found.append(Mutant(
                exercise_id, mutant_key(normalized),
                f"line {node.lineno} ({kind}): `{_snippet(node)}` -> `{_snippet(replacement)}`",
                text, unified_diff(exercise_id, source, text)))
    return found


def _reshape_unknowns(tree: ast.AST) -> set[int]:
    """The ``1`` of every ``-1`` in a ``reshape`` call's arguments."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and _called_name(n.func) == "reshape"]
    return {id(n.operand) for call in calls for arg in call.args for n in ast.walk(arg)
            if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub)
            and _integer_value(n.operand) == 1}


def mutant_key(normalized_source: str) -> str:
    return hashlib.sha256(normalized_source.encode()).hexdigest()[:KEY_LENGTH]


def unified_diff(exercise_id: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"{exercise_id} (solution)", f"{exercise_id} (mutant)", n=1)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _snippet(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= SNIPPET_LENGTH else text[:SNIPPET_LENGTH - 3] + "..."


# --- where to mutate --------------------------------------------------------

def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.AST, str, int | None]]:
    """(node, parent, field, index in the field's list) for every mutable node,
    skipping what cannot change a result: docstrings, prints, f-strings,
    messages of raise and assert, and annotations."""
    for field, value in ast.iter_fields(tree):
        children = value if isinstance(value, list) else [value]
        for index, child in enumerate(children):
            if not isinstance(child, ast.AST) or _skipped(tree, field, child):
                continue
            if hasattr(child, "lineno"):
                yield child, tree, field, index if isinstance(value, list) else None
            yield from _sites(child)


def _skipped(parent: ast.AST, field: str, node: ast.AST) -> bool:
    if field in ("annotation", "returns") or isinstance(node, (ast.JoinedStr, ast.Raise)):
        return True
    if isinstance(parent, ast.Assert) and field == "msg":
        return True
    if isinstance(node, ast.keyword) and node.arg == "verbose":  # it only prints
        return True
    if isinstance(node, ast.Expr):  # a docstring, a bare constant, a print
        return isinstance(node.value, ast.Constant) or _skipped(node, "value", node.value)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "print")


# --- what to change ---------------------------------------------------------

def _mutations(node: ast.AST, parent: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    rule = _RULES.get(type(node))
    if rule is not None:
        yield from rule(node, parent)


def _binop(node: ast.BinOp, parent) -> Iterator[tuple[ast.AST, str]]:
    for op in BINOP_SWAPS.get(type(node.op), []):
        yield ast.BinOp(node.left, op(), node.right), "operator"
    yield node.left, "drop operand"
    if not isinstance(node.op, ast.Pow):
        yield node.right, "drop operand"
    if isinstance(node.op, NON_COMMUTATIVE) and not _sign_lost(node, parent):
        yield ast.BinOp(node.right, node.op, node.left), "swap operands"


def _sign_lost(node: ast.BinOp, parent: ast.AST) -> bool:
    """A difference that is squared or made absolute at once: (a - b) ** 2,
    abs(a - b). Swapping its operands changes nothing."""
    if not isinstance(node.op, ast.Sub):
        return False
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Pow) and parent.left is node:
        exponent = _integer_value(parent.right)
        return exponent is not None and exponent % 2 == 0
    return (isinstance(parent, ast.Call) and _called_name(parent.func) in ("abs", "square")
            and parent.args == [node])


def _augassign(node: ast.AugAssign, parent) -> Iterator[tuple[ast.AST, str]]:
    for op in BINOP_SWAPS.get(type(node.op), []):
        yield ast.AugAssign(node.target, op(), node.value), "operator"


def _compare(node: ast.Compare, parent) -> Iterator[tuple[ast.AST, str]]:
    for i, op in enumerate(node.ops):
        for other in COMPARE_SWAPS.get(type(op), []):
            ops = list(node.ops)
            ops[i] = other()
            yield ast.Compare(node.left, ops, node.comparators), "comparison"


def _boolop(node: ast.BoolOp, parent) -> Iterator[tuple[ast.AST, str]]:
    other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    yield ast.BoolOp(other, node.values), "and/or"
    for value in node.values:
        yield value, "drop operand"


def _unaryop(node: ast.UnaryOp, parent) -> Iterator[tuple[ast.AST, str]]:
    if isinstance(node.op, (ast.USub, ast.Not, ast.Invert)):
        yield node.operand, "drop unary"


def _constant(node: ast.Constant, parent) -> Iterator[tuple[ast.AST, str]]:
    for value in _shifted(node.value):
        yield _number(value), "constant"


def _shifted(value) -> list:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, float):  # relative shifts: 1e4 -> 10001.0 would change nothing
        if value == 0:
            return [1.0]
        return [value * 2, value / 2] + ([0.0] if value == 1 else [])
    return []


def _number(value) -> ast.expr:
    """A constant as the parser writes it: negative numbers are a unary minus."""
    if not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _slice(node: ast.Slice, parent) -> Iterator[tuple[ast.AST, str]]:
    for field, missing in (("lower", 1), ("upper", -1)):
        bound = getattr(node, field)
        shifted = [_number(missing)] if bound is None else [_plus(bound, 1), _plus(bound, -1)]
        for new in shifted:
            yield ast.Slice(**{**_fields(node), field: new}), "slice bound"


def _plus(bound: ast.expr, delta: int) -> ast.expr:
    value = _integer_value(bound)
    if value is not None:
        return _number(value + delta)
    return ast.BinOp(bound, ast.Add() if delta > 0 else ast.Sub(), ast.Constant(abs(delta)))


def _integer_value(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _integer_value(node.operand)
        return None if inner is None else -inner
    return None


def _call(node: ast.Call, parent) -> Iterator[tuple[ast.AST, str]]:
    name = _called_name(node.func)
    if name in NAME_SWAPS:
        func = (ast.Name(NAME_SWAPS[name], ast.Load()) if isinstance(node.func, ast.Name)
                else ast.Attribute(node.func.value, NAME_SWAPS[name], ast.Load()))
        yield ast.Call(func, node.args, node.keywords), "function"
    for i, keyword in enumerate(node.keywords):
        yield from _keyword_changes(node, i, keyword)
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(node.args) and name not in COMMUTATIVE:
        for i in range(len(node.args) - 1):
            args = list(node.args)
            args[i], args[i + 1] = args[i + 1], args[i]
            yield ast.Call(node.func, args, node.keywords), "swap arguments"
    if node.args and not isinstance(node.args[0], ast.Starred) and (
            (name in UNWRAP and len(node.args) == 1) or isinstance(parent, ast.Return)):
        yield node.args[0], "call -> its first argument"


def _keyword_changes(node: ast.Call, i: int, keyword: ast.keyword):
    def with_keyword(new: ast.keyword | None) -> ast.Call:
        keywords = list(node.keywords)
        if new is None:
            del keywords[i]
        else:
            keywords[i] = new
        return ast.Call(node.func, node.args, keywords)

    if keyword.arg in DROPPED_KEYWORDS:
        yield with_keyword(None), f"drop {keyword.arg}="
    axis = _integer_value(keyword.value) if keyword.arg == "axis" else None
    for other in AXIS_SWAPS.get(axis, []):
        yield with_keyword(ast.keyword("axis", _number(other))), "axis"
    if keyword.arg == "training" and not isinstance(keyword.value, ast.Constant):
        for flag in (True, False):
            yield with_keyword(ast.keyword("training", ast.Constant(flag))), "training flag"


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _fields(node: ast.AST) -> dict:
    return {name: getattr(node, name, None) for name in node._fields}


_RULES = {
    ast.BinOp: _binop, ast.AugAssign: _augassign, ast.Compare: _compare, ast.BoolOp: _boolop,
    ast.UnaryOp: _unaryop, ast.Constant: _constant, ast.Slice: _slice, ast.Call: _call,
}


# --- writing the mutant -----------------------------------------------------

class _swapped:
    """Put ``new`` in place of the node at parent.field[index] for a while."""

    def __init__(self, parent, field, index, new):
        self.parent, self.field, self.index, self.new = parent, field, index, new

    def __enter__(self):
        if self.index is None:
            self.old = getattr(self.parent, self.field)
            setattr(self.parent, self.field, self.new)
        else:
            items = getattr(self.parent, self.field)
            self.old, items[self.index] = items[self.index], self.new

    def __exit__(self, *exc):
        if self.index is None:
            setattr(self.parent, self.field, self.old)
        else:
            getattr(self.parent, self.field)[self.index] = self.old


def _splice(source: str, node: ast.AST, replacement: ast.AST, expected_dump: str) -> str | None:
    """The source with ``node``'s segment rewritten (bare, else in parentheses),
    or None when neither parses back to the mutated tree."""
    lines = source.encode().splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    data = source.encode()
    begin = starts[node.lineno - 1] + node.col_offset
    end = starts[node.end_lineno - 1] + node.end_col_offset
    text = ast.unparse(replacement)
    for candidate in (text, f"({text})"):
        spliced = (data[:begin] + candidate.encode() + data[end:]).decode()
        try:
            if ast.dump(ast.parse(spliced)) == expected_dump:
                return spliced
        except SyntaxError:
            continue
    return None
