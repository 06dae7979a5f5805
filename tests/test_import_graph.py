"""The import graph: reads, writes and rules never depend on the admin or on template
libraries, and the pure modules of pricing and formatting depend on nothing but each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("procurement", "quotes")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """Every module `name` imports, anywhere in it (inside functions too), resolved."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _project_imports(name: str) -> set[str]:
    return {target for target in _imports(name) if target in MODULES}


def _reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for target in _project_imports(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _is_read_write_or_rule(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last in {
        "selectors",
        "services",
        "rules",
        "reads",
        "checks",
        "order_flow",
        "formats",
    } or name.startswith("quotes.pricing")


def _is_admin_or_template_library(name: str) -> bool:
    last = name.rpartition(".")[2]
    return ".templatetags" in name or last == "admin" or last.startswith("admin_")


SOURCES = sorted(name for name in MODULES if _is_read_write_or_rule(name))


def test_the_graph_is_read_from_the_sources():
    assert {"quotes.selectors", "quotes.services", "quotes.pricing.rules"} <= set(SOURCES)
    assert "procurement.templatetags.swiss" in MODULES
    assert _is_admin_or_template_library("procurement.admin_orders")
    # the walker sees an import inside a function, and resolves a relative one
    assert "quotes.pricing.engine" in _project_imports("quotes.pricing.results")


@pytest.mark.parametrize("name", SOURCES)
def test_reads_writes_and_rules_import_no_admin_and_no_template_library(name):
    arrows = sorted(target for target in _reachable(name) if _is_admin_or_template_library(target))

    assert arrows == [], f"{name} reaches {arrows}"


PURE = {
    "quotes.pricing.engine": set(),
    "quotes.pricing.engine.landed": set(),
    "quotes.pricing.engine.builds": set(),
    "quotes.pricing.results": set(),
    "procurement.formats": set(),
    "quotes.pricing.presenter": {"django.utils.translation"},
}


@pytest.mark.parametrize(("name", "allowed"), PURE.items())
def test_pure_modules_import_only_the_standard_library_and_each_other(name, allowed):
    outside = {
        target
        for target in _imports(name)
        if target.split(".")[0] in {"django", "djmoney", "procurement", "quotes"}
        and not any(target == pure or target.startswith(pure + ".") for pure in PURE)
        and not any(target == ok or target.startswith(ok + ".") for ok in allowed)
    }

    assert outside == set()
