"""First names and the share of their bearers who are women, from the nomquamgender package.

nomquamgender (MIT licence; Van Buskirk, Clauset and Larremore, "An open-source cultural
consensus approach to name-based gender classification", 2023) ships 720,000 names with
p(gf), the share of their bearers recorded as women across 36 sources. Its JSON takes
seconds and half a gigabyte to read, so the names that tell something are written once to a
small cache file (the package's version in its name) and read from there on.
"""

from __future__ import annotations

import importlib.metadata
import json
from functools import cache
from pathlib import Path

PACKAGE = "nomquamgender"
# Names seen fewer times than this across the sources are left out: their shares are noise.
MIN_COUNT = 20


def _build() -> dict[str, float]:
    # Located, not imported: importing the package reads the whole file with pandas at once.
    path = importlib.metadata.distribution(PACKAGE).locate_file(f"{PACKAGE}/name_data.json")
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    table = {}
    for name, (_sources, count, share, *_rest) in data.items():
        if count >= MIN_COUNT and name.isalpha() and isinstance(share, (int, float)):
            table[name] = round(float(share), 3)
    return table


@cache
def table(cache_dir: str) -> dict[str, float]:
    """{first name, lower-case: share of women}, built once into cache_dir."""
    version = importlib.metadata.version(PACKAGE)
    path = Path(cache_dir) / f"first-names-{PACKAGE}-{version}.json"
    if path.exists():
        return json.loads(path.read_text())
    names = _build()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(names, separators=(",", ":")))
    partial.replace(path)  # atomic: another process never reads half a file
    return names


def share_female(cache_dir: str):
    """A lookup for speakertraits.first_name_clue: name -> share of women, or None."""
    names = table(cache_dir)
    return names.get
