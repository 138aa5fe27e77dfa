"""Finding suites: every package under ``suites`` with a SUITE, plus the ``redshift.suites`` entry points.

The engine never imports a suite by name; it loads whatever is installed, like a plugin host.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
import sys
from pathlib import Path

from redshift.suite import Suite


class UnknownSuite(LookupError):
    pass


def _from_package(package: str) -> dict[str, Suite]:
    try:
        pkg = importlib.import_module(package)
    except ImportError:
        return {}
    found: dict[str, Suite] = {}
    for info in pkgutil.iter_modules(getattr(pkg, "__path__", [])):
        if not info.ispkg or info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}")
        except Exception as exc:  # a broken suite is named, not a traceback
            raise UnknownSuite(f"suite package {package}.{info.name} failed to import: "
                               f"{type(exc).__name__}: {exc}") from exc
        suite = getattr(module, "SUITE", None)
        if isinstance(suite, Suite):
            found[suite.name] = suite
    return found


def _from_entry_points() -> dict[str, Suite]:
    found: dict[str, Suite] = {}
    for ep in importlib.metadata.entry_points(group="redshift.suites"):
        obj = ep.load()
        suite = getattr(obj, "SUITE", obj)
        if isinstance(suite, Suite):
            found[suite.name] = suite
    return found


def load_file(path: Path) -> Suite | None:
    """The SUITE defined by a suite package's ``__init__.py`` (or module) at ``path``, if any."""
    path = path.resolve()
    package_dir = path.parent if path.name == "__init__.py" else None
    if package_dir is not None and package_dir.parent.name == "suites" and _is_installed_suites(package_dir.parent):
        module = importlib.import_module(f"suites.{package_dir.name}")
    else:
        name = f"_redshift_suite_{abs(hash(str(path)))}"
        if name in sys.modules:
            module = sys.modules[name]
        else:
            spec = importlib.util.spec_from_file_location(
                name, path, submodule_search_locations=[str(package_dir)] if package_dir else None)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    suite = getattr(module, "SUITE", None)
    return suite if isinstance(suite, Suite) else None


def _is_installed_suites(folder: Path) -> bool:
    try:
        pkg = importlib.import_module("suites")
    except ImportError:
        return False
    return any(Path(p).resolve() == folder.resolve() for p in getattr(pkg, "__path__", []))


def _from_paths() -> dict[str, Suite]:
    """Suite packages listed in $REDSHIFT_SUITE_PATHS (folders, separated by os.pathsep)."""
    found: dict[str, Suite] = {}
    for folder in filter(None, os.environ.get("REDSHIFT_SUITE_PATHS", "").split(os.pathsep)):
        init = Path(folder) / "__init__.py"
        if not init.exists():
            raise UnknownSuite(f"REDSHIFT_SUITE_PATHS names {folder}, which is not a suite package folder")
        suite = load_file(init)
        if suite is not None:
            found[suite.name] = suite
    return found


def discover() -> dict[str, Suite]:
    """All suites, by name, sorted: the ``suites`` package, entry points, $REDSHIFT_SUITE_PATHS."""
    found = _from_package("suites") | _from_entry_points() | _from_paths()
    return dict(sorted(found.items()))


def select(names: list[str] | None, available: dict[str, Suite] | None = None) -> list[Suite]:
    """The suites named (all when none); UnknownSuite says which names exist."""
    available = discover() if available is None else available
    if not names:
        return list(available.values())
    missing = [n for n in names if n not in available]
    if missing:
        known = ", ".join(available) or "none installed"
        raise UnknownSuite(f"unknown suite {missing[0]!r}; known suites: {known}")
    return [available[n] for n in names]
