"""Rewrites `@transaction.atomic` on a function as a `with transaction.atomic():` block around its body, in the copy
of the tree scripts/mutation tests, never in the working tree.

mutmut 3 does not mutate a decorated function (it cannot put its trampoline under an arbitrary decorator), and every
money write in funds/services.py is one: without this they would not be tested at all. The rewrite keeps behaviour:
the whole call still runs in one transaction, and the docstring stays first.

Usage: python scripts/mutation_prepare.py FILE...
"""

import sys

import libcst as cst
import libcst.matchers as m

ATOMIC = m.Attribute(value=m.Name("transaction"), attr=m.Name("atomic"))
DOCSTRING = m.SimpleStatementLine(body=[m.Expr(m.SimpleString() | m.ConcatenatedString())])


class AtomicAsBlock(cst.CSTTransformer):
    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if len(updated.decorators) != 1 or not m.matches(updated.decorators[0].decorator, ATOMIC):
            return updated
        assert isinstance(updated.body, cst.IndentedBlock)
        body = list(updated.body.body)
        docstring = [body.pop(0)] if m.matches(body[0], DOCSTRING) else []
        block = cst.With(
            items=[cst.WithItem(cst.parse_expression("transaction.atomic()"))],
            body=cst.IndentedBlock(body=body),
        )
        return updated.with_changes(decorators=[], body=cst.IndentedBlock(body=[*docstring, block]))


for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(cst.parse_module(source).visit(AtomicAsBlock()).code)
