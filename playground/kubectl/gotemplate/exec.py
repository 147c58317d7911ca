"""Executing a parsed template over an object: text/template's exec.go (missingkey=default, or
=error with kubectl's --allow-missing-template-keys=false).

`execute(tree, obj)` (formats.py, per document) → `_Executor` walks the Tree of parse.py: fields of
maps, variables and their scopes, if / range / with, break and continue, pipelines whose commands
call funcs.py → the text printed. An error names the line, column and node, as Go's does, and
carries what was printed before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .funcs import ARITY, FUNCS, REFLECTING, ArgumentError, CallError
from .parse import NAME, Block, Command, Node, Pipe, Tree, line_number
from .values import MISSING, go_value, truth

class TemplateExecError(Exception):
    """An error while executing; `printed` is what the template wrote before it."""

    def __init__(self, message: str, printed: str = "") -> None:
        super().__init__(message)
        self.printed = printed


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Failure(Exception):
    """An error at a node: exec.go's errorf, located and worded by `_Executor.fail`."""

    def __init__(self, node: Node | Command | None, message: str) -> None:
        super().__init__(message)
        self.node = node


@dataclass
class _Executor:
    tree: Tree
    out: list[str] = field(default_factory=list)
    variables: list[tuple[str, Any]] = field(default_factory=list)
    missing_key_error: bool = False  # missingkey=error: kubectl's --allow-missing-template-keys=false

    def run(self, nodes: list[Any], dot: Any) -> None:  # noqa: ANN401 - JSON
        for node in nodes:
            if isinstance(node, str):
                self.out.append(node)
            else:
                self.walk(node, dot)

    def walk(self, block: Block, dot: Any) -> None:  # noqa: ANN401 - JSON
        if block.kind == "break":
            raise _Break
        if block.kind == "continue":
            raise _Continue
        assert block.pipe is not None
        mark = len(self.variables)
        if block.kind == "action":
            value = self.pipeline(block.pipe, dot)
            if not block.pipe.variables:
                self.out.append(go_value(value))
            return
        try:
            if block.kind == "range":
                self.range(block, dot)
                return
            value = self.pipeline(block.pipe, dot)
            if truth(value):
                self.run(block.body, value if block.kind == "with" else dot)
            else:
                self.run(block.orelse, dot)
        finally:
            del self.variables[mark:]  # a variable lives until the {{end}} of the block that declares it

    def range(self, block: Block, dot: Any) -> None:  # noqa: ANN401 - JSON
        assert block.pipe is not None
        pipe = block.pipe
        value = self.pipeline(Pipe(pipe.commands, pos=pipe.pos), dot)
        if isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list):
            items = list(enumerate(value))
        elif value is None or value is MISSING:
            items = []
        else:
            raise _Failure(pipe.commands[-1].args[0] if pipe.commands[-1].args else None,
                           f"range can't iterate over {go_value(value)}")
        if not items:
            self.run(block.orelse, dot)
            return
        mark = len(self.variables)
        for key, item in items:
            if len(pipe.variables) == 1:
                self.set(pipe.variables[0], item, assign=pipe.assign)
            elif len(pipe.variables) == 2:
                self.set(pipe.variables[0], key, assign=pipe.assign)
                self.set(pipe.variables[1], item, assign=pipe.assign)
            try:
                self.run(block.body, item)
            except _Break:
                break
            except _Continue:
                continue
            finally:
                del self.variables[mark + (0 if pipe.assign else len(pipe.variables)):]

    def set(self, name: str, value: Any, *, assign: bool) -> None:  # noqa: ANN401 - JSON
        if assign:
            for index in range(len(self.variables) - 1, -1, -1):
                if self.variables[index][0] == name:
                    self.variables[index] = (name, value)
                    return
        self.variables.append((name, value))

    def variable(self, name: str) -> Any:  # noqa: ANN401 - JSON
        for known, value in reversed(self.variables):
            if known == name:
                return value
        raise _Failure(None, f"undefined variable: {name}")

    def pipeline(self, pipe: Pipe, dot: Any) -> Any:  # noqa: ANN401 - JSON
        value: Any = MISSING
        for index, command in enumerate(pipe.commands):
            value = self.command(command, dot, value if index else MISSING, piped=index > 0)
        for name in pipe.variables:
            self.set(name, value, assign=pipe.assign)
        return value

    def command(self, command: Command, dot: Any, final: Any, *, piped: bool) -> Any:  # noqa: ANN401 - JSON
        first = command.args[0]
        if first.kind == "ident":
            return self.call(first.value, command, command.args[1:], dot, final, piped=piped)
        if len(command.args) > 1 or piped:
            if first.fields:  # exec.go evalField: a map's key is no method
                raise _Failure(first, f"{first.fields[-1]} is not a method but has arguments")
            if first.kind == "nil":
                raise _Failure(first, "nil is not a command")
            raise _Failure(first, f"can't give argument to non-function {first.text}")
        if first.kind == "nil":
            raise _Failure(first, "nil is not a command")
        return self.operand(first, dot)

    def operand(self, node: Node, dot: Any) -> Any:  # noqa: ANN401 - JSON
        if node.kind == "field":
            return self.fields(node, dot, node.fields)
        if node.kind == "dot":
            return dot
        if node.kind == "var":
            return self.fields(node, self.variable(node.value if node.value != "$" else "$"), node.fields)
        if node.kind == "pipe":
            return self.fields(node, self.pipeline(node.value, dot), node.fields)
        if node.kind == "nil":
            return None
        if node.kind == "ident":
            return self.call(node.value, Command([node], node.pos), [], dot, MISSING, piped=False)
        return node.value

    def fields(self, node: Node, receiver: Any, names: tuple[str, ...]) -> Any:  # noqa: ANN401 - JSON
        for name in names:
            if receiver is MISSING:
                return MISSING  # exec.go: a field of an invalid value is invalid too, no error
            if receiver is None:
                raise _Failure(node, f"nil pointer evaluating interface {{}}.{name}")
            if not isinstance(receiver, dict):
                raise _Failure(node, f"can't evaluate field {name} in type interface {{}}")
            if name not in receiver and self.missing_key_error:
                raise _Failure(node, f"map has no entry for key \"{name}\"")
            receiver = receiver.get(name, MISSING)
        return receiver

    def call(self, name: str, command: Command, args: list[Node], dot: Any, final: Any, *,  # noqa: ANN401 - JSON
             piped: bool) -> Any:
        if name in ("and", "or"):
            return self.and_or(name, command, args, dot, final, piped=piped)
        count = len(args) + (1 if piped else 0)
        least, most = ARITY[name]
        if not least <= count <= (most if most is not None else count):
            want = f"at least {least}" if most is None else str(least)
            raise _Failure(command.args[0], f"wrong number of args for {name}: want {want} got {count}")
        values = [self.operand(arg, dot) for arg in args] + ([final] if piped else [])
        if name not in REFLECTING:
            values = [None if v is MISSING else v for v in values]  # an interface{} parameter: a missing value is nil
        try:
            return FUNCS[name](*values)
        except ArgumentError as error:
            raise _Failure(command if error.at is None else _nth(args, error.at), str(error)) from None
        except CallError as error:
            raise _Failure(command, f"error calling {name}: {error}") from None

    def and_or(self, name: str, command: Command, args: list[Node], dot: Any, final: Any, *,  # noqa: ANN401 - JSON
               piped: bool) -> Any:
        """Go 1.18's and / or: they stop at the first argument that decides."""
        count = len(args) + (1 if piped else 0)
        if count < 1:
            raise _Failure(command, f"wrong number of args for {name}: want at least 1 got 0")
        value: Any = None
        for index in range(count):
            value = self.operand(args[index], dot) if index < len(args) else final
            if truth(value) != (name == "and"):
                return value
        return value

    def fail(self, failure: _Failure) -> TemplateExecError:
        node = failure.node
        if node is None:
            return TemplateExecError(f"template: {NAME}: executing \"{NAME}\": {failure}", "".join(self.out))
        template = self.tree.template
        line = line_number(template, node.pos)
        column = node.pos - (template.rfind("\n", 0, node.pos) + 1)
        return TemplateExecError(f"template: {NAME}:{line}:{column}: executing \"{NAME}\" at <{node.text}>: {failure}",
                                 "".join(self.out))


def _nth(args: list[Node], index: int) -> Node | None:
    return args[index] if index < len(args) else None


def execute(tree: Tree, data: Any, *, missing_key_error: bool = False) -> str:  # noqa: ANN401 - JSON
    """What the template prints for `data`; TemplateExecError (with what it printed) if it fails.
    `missing_key_error`: a missing map key fails (missingkey=error) instead of printing `<no value>`."""
    executor = _Executor(tree, variables=[("$", data)], missing_key_error=missing_key_error)
    try:
        executor.run(tree.nodes, data)
    except _Failure as failure:
        raise executor.fail(failure) from None
    except (_Break, _Continue):
        pass
    return "".join(executor.out)
