"""The package's shape, checked by walking every import with `ast`.

- Stages run ingest -> script -> text -> engines -> render -> mix -> export -> feed:
  a stage imports only earlier stages (never an arrow back up the pipeline), and
  another stage only through its package (`voicer.mix`, not `voicer.mix.loudness`).
- Shared modules (model, errors, fsutil, language, settings...) import no stage.
- No two modules import each other, directly or through others (no cycles).
- No module is made callable; no function body runs past 80 lines.
Imports under ``if TYPE_CHECKING:`` are for type checkers only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "voicer"
STAGES = ("ingest", "script", "text", "engines", "synth", "mix", "export", "feed")
# Shared pieces every stage may use; they import no stage. Any other top-level module
# (api, cli*, batch, preview...) sits above the stages and may import any of them.
SHARED = {"model", "errors", "fsutil", "language", "presets", "ranges", "resources", "artwork", "lazy"}
MAX_BODY_LINES = 80


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path) -> set[str]:
    """Absolute names of the voicer modules `name` imports (anywhere but TYPE_CHECKING blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "voicer")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "voicer":
                out.add(target)
                # `from voicer.render import cache` imports a submodule
                out.update(f"{target}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {t for t in _imports(name, path) if t in modules and t != name}
    return graph


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return parts[1] if parts[1] in STAGES else ("shared" if parts[1] in SHARED else "top")


def test_no_arrow_runs_back_up_the_pipeline() -> None:
    bad = []
    for module, targets in _graph().items():
        src = _stage(module)
        if src in (None, "top"):
            continue
        for target in targets:
            dst = _stage(target)
            if dst in (None, src):
                continue
            if dst == "top" or (src == "shared" and dst != "shared"):
                bad.append(f"{module} -> {target} (a lower layer imports a higher one)")
            elif dst in STAGES and src in STAGES:
                if STAGES.index(dst) > STAGES.index(src):
                    bad.append(f"{module} -> {target} (runs back up the pipeline)")
                elif target.count(".") > 1:
                    bad.append(f"{module} -> {target} (reaches into another stage's internals)")
    assert not bad, "\n".join(sorted(bad))


def test_no_import_cycles() -> None:
    graph = _graph()
    # Parent packages are imported before their submodules: an edge package -> own submodule
    # is how a package exposes its parts, not a cycle with them.
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_is_callable() -> None:
    bad = [
        name
        for name, path in _modules().items()
        if "sys.modules[__name__].__class__" in path.read_text(encoding="utf-8")
    ]
    assert not bad


def _long_functions(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0]
                # The docstring does not count, nor does a signature (typer options).
                if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant):
                    start = node.body[1].lineno if len(node.body) > 1 else node.end_lineno or 0
                else:
                    start = first.lineno
                lines = (node.end_lineno or start) - start + 1
                if lines > MAX_BODY_LINES:
                    out.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return out


def test_no_function_body_over_80_lines() -> None:
    long = _long_functions(PACKAGE)
    assert not long, "\n".join(long)


@pytest.mark.parametrize("module", ["voicer", "voicer.cli", "voicer.synth", "voicer.language"])
def test_importing_stays_light(module: str) -> None:
    import subprocess
    import sys

    code = (
        f"import sys, {module}\n"
        "heavy = [m for m in ('numpy', 'torch', 'TTS', 'jieba', 'onnxruntime', 'rich') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
