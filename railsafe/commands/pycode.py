"""Inline Python that destroys data: `drop_all(...)` calls, and destructive SQL that
reaches a call which executes it.

A string that merely contains an SQL keyword (`print('TRUNCATE')`, a log message, a
docstring) is not destructive: the SQL must be handed to an execute-like call
(`cursor.execute`, `conn.execute`, `session.execute`, `executemany`, `executescript`,
`exec_driver_sql`, `execute_sql`), directly, through a name bound to it
(`sql = "TRUNCATE users"; cur.execute(sql)`), or wrapped in `text(...)` /
`sql.SQL(...)` / `DDL(...)`; f-strings, `"..." % x`, `"...".format(x)` and `+`
concatenations keep their literal parts. `ast` is imported on first use only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# methods / functions that run the SQL text they are given
EXECUTE = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "execute_sql"}
)
# wrappers whose first argument is the SQL text (`text("...")`, `psycopg.sql.SQL`)
_WRAPPERS = frozenset({"text", "SQL", "DDL", "dedent"})
_MAX_DEPTH = 20


def _name(func: Any) -> str | None:
    import ast

    if isinstance(func, ast.Attribute):
        return str(func.attr)
    if isinstance(func, ast.Name):
        return str(func.id)
    return None


def _sql_text(node: Any, bound: dict[str, str], depth: int = 0) -> str | None:
    """The literal SQL an expression evaluates to (unknown parts as `x`), or None."""
    import ast

    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = [
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
            for v in node.values
        ]
        return "".join(parts)
    if isinstance(node, ast.BinOp):
        left = _sql_text(node.left, bound, depth + 1)
        if isinstance(node.op, ast.Mod):
            return left
        if isinstance(node.op, ast.Add):
            right = _sql_text(node.right, bound, depth + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else "x") + (right if right is not None else "x")
        return None
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name == "format" and isinstance(node.func, ast.Attribute):
            return _sql_text(node.func.value, bound, depth + 1)
        if name in _WRAPPERS and node.args:
            return _sql_text(node.args[0], bound, depth + 1)
        return None
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    return None


def _bindings(tree: Any) -> dict[str, str]:
    """Names assigned an SQL expression anywhere in the code (no scopes: a name bound
    to SQL once counts as SQL)."""
    import ast

    bound: dict[str, str] = {}
    assigns = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
    ]
    for _ in range(2):  # a name bound to another name bound to SQL
        for node in assigns:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            text = _sql_text(node.value, bound)
            if text is None:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, text)
    return bound


def python_hit(code: str, sql_hit: Callable[[str], str | None]) -> str | None:
    """What makes inline Python destructive: a `drop_all(...)` call (SQLAlchemy,
    Flask-SQLAlchemy), or destructive SQL (per `sql_hit`) given to an execute-like
    call. Code that does not parse is not analysed (None)."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    if any(_name(call.func) == "drop_all" for call in calls):
        return "drop_all()"
    executes = [call for call in calls if _name(call.func) in EXECUTE]
    if not executes:
        return None
    bound = _bindings(tree)
    for call in executes:
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            text = _sql_text(arg, bound)
            kind = sql_hit(text) if text is not None else None
            if kind is not None:
                return kind
    return None
