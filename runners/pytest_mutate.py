# pytest_mutate.py - the mutant generator of the pytest-tests kind
# (runners/pytest_tests.c embeds this file and runs it in the sandbox over
# a copy of the exercise's reference implementation).
#
# usage: python3 pytest_mutate.py MAX OUT FILE...
#
# Parses each FILE with ast (nothing of it is imported or run), lists the
# places one small change applies, and writes OUT: a JSON list of at most
# MAX mutants, each {"file", "kind", "func", "line", "src"}, src the whole
# mutated file (ast.unparse). A mutant that unparses to the original, that
# does not compile, or that equals an earlier one is dropped. The kinds
# are taken in turns (the first change of each kind, then the second, ...)
# so a small MAX still covers every kind; inside a kind, in source order.

import ast
import copy
import json
import sys

KINDS = ["comparison", "arithmetic", "constant", "condition", "return", "statement"]

CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
            ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.If,
             ast.For, ast.While, ast.Raise, ast.With, ast.Try)


def functions(tree):
    """Each node's index in ast.walk order -> its innermost function's name."""
    owner = {}

    def mark(node, name):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else name
            owner[id(child)] = inner
            mark(child, inner)

    mark(tree, "")
    return [owner.get(id(n), "") for n in ast.walk(tree)]


def is_docstring(parent, k):
    body = parent.body if hasattr(parent, "body") else None
    return (k == 0 and isinstance(parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                                           ast.ClassDef))
            and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str))


def is_main_guard(node):
    """`if __name__ == "__main__":` (either way round)."""
    if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq)):
        return False
    sides = [node.test.left, node.test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(mains) == 1


def guarded(tree):
    """The ids of the nodes of `if __name__ == "__main__":` blocks, the
    guard included. No mutant is made there: the tests import the module,
    so a change inside the block cannot be caught, and a negated guard
    would run the program (a server's app.run()) while pytest imports it."""
    out = set()
    for node in ast.walk(tree):
        if is_main_guard(node):
            out.update(id(n) for n in ast.walk(node))
    return out


def sites(tree):
    """(kind, node index, change) for every place one change applies; a
    change takes the copied node and alters it in place."""
    out = []
    skip = guarded(tree)
    for idx, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for j, op in enumerate(node.ops):
                new = CMP_SWAP.get(type(op))
                if new:
                    out.append(("comparison", idx, node,
                                lambda n, j=j, new=new: n.ops.__setitem__(j, new())))
        if isinstance(node, (ast.BinOp, ast.AugAssign)):
            new = ARITH_SWAP.get(type(node.op))
            if new:
                out.append(("arithmetic", idx, node, lambda n, new=new: setattr(n, "op", new())))
        if (isinstance(node, ast.Constant) and isinstance(node.value, int)
                and not isinstance(node.value, bool)):
            for delta in (1, -1):
                out.append(("constant", idx, node,
                            lambda n, delta=delta: setattr(n, "value", n.value + delta)))
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            out.append(("condition", idx, node,
                        lambda n: setattr(n, "test", ast.UnaryOp(op=ast.Not(), operand=n.test))))
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant)):
            out.append(("return", idx, node, lambda n: setattr(n, "value", ast.Constant(0))))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.For,
                             ast.While, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(node, field, None) or []
                for k, s in enumerate(stmts):
                    if isinstance(s, REMOVABLE) and not (field == "body" and is_docstring(node, k)):
                        out.append(("statement", idx, s,
                                    lambda n, field=field, k=k:
                                    getattr(n, field).__setitem__(k, ast.Pass())))
    return out


def mutants(path, source, limit):
    tree = ast.parse(source, path)
    original = ast.unparse(tree)
    owners = functions(tree)
    by_kind = {k: [] for k in KINDS}
    for kind, idx, target, change in sites(tree):
        by_kind[kind].append((idx, target, change))
    order = []
    depth = 0
    while any(depth < len(v) for v in by_kind.values()):
        for k in KINDS:
            if depth < len(by_kind[k]):
                order.append((k,) + by_kind[k][depth])
        depth += 1
    seen = {original}
    out = []
    for kind, idx, target, change in order:
        if len(out) >= limit:
            break
        clone = copy.deepcopy(tree)
        node = list(ast.walk(clone))[idx]
        change(node)
        ast.fix_missing_locations(clone)
        try:
            src = ast.unparse(clone)
            compile(src, path, "exec")
        except Exception:
            continue
        if src in seen:
            continue
        seen.add(src)
        out.append({"file": path, "kind": kind, "func": owners[idx],
                    "line": getattr(target, "lineno", 0), "src": src + "\n"})
    return out


def main():
    limit, dest, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    result = []
    for i, path in enumerate(files):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        # the budget is shared: each file gets its turn at what is left
        share = max(1, (limit - len(result)) // (len(files) - i))
        result.extend(mutants(path, source, share))
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(result[:limit], f)


if __name__ == "__main__":
    main()
