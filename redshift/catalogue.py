"""The claims catalogue behind ``redshift list``, cached so that listing does not import torch.

Importing the suites (to read their claims) loads torch, scipy and every protocol: about two
seconds. The catalogue (suites and claims as plain data) is cached in
``$XDG_CACHE_HOME/redshift`` (default ``~/.cache/redshift``) under a fingerprint of every file
it is read from: path, size and modification time of each ``.py`` file of the engine, of the
``suites`` package, of the folders in ``$REDSHIFT_SUITE_PATHS`` and of the modules behind
``redshift.suites`` entry points. Any edit changes the fingerprint and the next ``list`` reads
the suites again. A cache that cannot be written is skipped silently (it is only a speed-up).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path
from typing import Any, Iterable

VERSION = 1


def _package_dirs(name: str) -> list[Path]:
    """The folders of a top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return [Path(p) for p in spec.submodule_search_locations]
    return [Path(spec.origin).parent] if spec.origin else []


def _sources() -> Iterable[Path]:
    folders = _package_dirs("redshift") + _package_dirs("suites")
    folders += [Path(p) for p in filter(None, os.environ.get("REDSHIFT_SUITE_PATHS", "").split(os.pathsep))]
    for ep in importlib.metadata.entry_points(group="redshift.suites"):
        folders += _package_dirs(ep.value.split(":")[0].split(".")[0])
    for folder in folders:
        yield from sorted(folder.rglob("*.py")) if folder.is_dir() else []


def fingerprint() -> str:
    """A hash of every source file the catalogue depends on (path, size, mtime) and the environment."""
    digest = hashlib.sha256(f"{VERSION}|{os.environ.get('REDSHIFT_SUITE_PATHS', '')}".encode())
    for path in _sources():
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _cache_file(key: str) -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "redshift" / f"catalogue-{key}.json"


def build() -> dict[str, Any]:
    """The catalogue read from the installed suites (imports them), with each claim's definition hash."""
    from redshift.definitions import suite_hashes
    from redshift.registry import discover

    suites = discover()
    hashes = {s.name: suite_hashes(s) for s in suites.values()}
    return {"suites": [{"name": s.name, "version": s.version, "title": s.title} for s in suites.values()],
            "claims": [{"id": c.id, "suite": s.name, "statement": c.statement, "source": c.source,
                        "predicted": c.predicted, "decisive_at": c.decisive_at, "rule": c.describe_rule(),
                        "exact": c.exact, "definition": hashes[s.name][c.id]}
                       for s in suites.values() for c in s.claims]}


def load() -> dict[str, Any]:
    """The catalogue: from the cache when its fingerprint matches, else built and cached."""
    path = _cache_file(fingerprint())
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    catalogue = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(catalogue), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return catalogue
