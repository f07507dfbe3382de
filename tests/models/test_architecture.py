"""The arrows of models/ point one way: nothing under models/ imports the boundary (schemas, portal, workers),
core imports no context, and no models modules import one another in a cycle.

The sources are parsed with ast, never imported, and every import counts: at module level, inside a function,
under TYPE_CHECKING.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
MIGRATIONS = MODELS / "core" / "migrations"
BOUNDARY = ("schemas", "portal", "workers")


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # what it names: ``from a import b`` is a.b when that is a models module, else a
    line: int

    def __str__(self) -> str:
        return f"{self.importer} imports {self.imported} (line {self.line})"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(MODELS.rglob("*.py")) if MIGRATIONS not in path.parents}


def imports_of(module: str, path: Path) -> list[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: one level is the package itself
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append(Import(module, submodule if submodule in MODULES else base, node.lineno))
    return found


IMPORTS = [found for module, path in MODULES.items() for found in imports_of(module, path)]


def _listed(imports) -> str:
    return "\n  " + "\n  ".join(sorted({str(found) for found in imports}))


def test_the_scan_sees_models_without_its_migrations():
    assert {"models.core.db", "models.intake.file_import", "models.intake.file_import.rows"} <= set(MODULES)
    assert not any(name.startswith("models.core.migrations") for name in MODULES)
    assert any(found.imported == "models.core.db" for found in IMPORTS)


def test_no_models_module_imports_schemas_portal_or_workers():
    offending = [found for found in IMPORTS if found.imported.split(".")[0] in BOUNDARY]
    assert not offending, "models must not import schemas, portal or workers (views and actors validate, then " \
                          "call models); these do:" + _listed(offending)


def test_core_imports_no_context():
    def in_core(name: str) -> bool:
        return name == "models.core" or name.startswith("models.core.")

    offending = [found for found in IMPORTS if in_core(found.importer) and found.imported.startswith("models.")
                 and not in_core(found.imported)]
    assert not offending, "models.core must not import a context (contexts register into core); these do:" \
                          + _listed(offending)


def import_graph() -> dict[str, dict[str, Import]]:
    """models module -> the models modules it imports, each with the first import that names it."""
    graph: dict[str, dict[str, Import]] = {module: {} for module in MODULES}
    for found in sorted(IMPORTS, key=lambda found: found.line):
        if found.imported in MODULES and found.imported != found.importer:
            graph[found.importer].setdefault(found.imported, found)
    return graph


def import_cycles(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """The strongly connected groups of more than one module: each module of a group reaches every other."""
    reach = {}
    for start in graph:
        seen, todo = {start}, [start]
        while todo:
            for target in graph[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        reach[start] = seen
    groups = {frozenset(other for other in reach[module] if module in reach[other]) for module in graph}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def test_import_cycles_are_found():
    graph = {"a": {"b": None}, "b": {"c": None}, "c": {"a": None}, "d": {"a": None}, "e": {}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_among_models_modules():
    graph = import_graph()
    cycles = import_cycles(graph)
    lines = []
    for group in cycles:
        lines.append("cycle: " + ", ".join(group))
        lines += [f"    {graph[module][target]}" for module in group for target in graph[module] if target in group]
    assert not cycles, "models modules that import one another:\n  " + "\n  ".join(lines)
