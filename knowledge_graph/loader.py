"""Validate the seed files and write them to the graph (``brain kg load``): the public names of the three
modules that do it — :mod:`~knowledge_graph.seed_reader` (the one typed reader), :mod:`~knowledge_graph.seed_checks`
(cross-row and cross-file checks) and :mod:`~knowledge_graph.seed_writer` (MERGE-only writes, per-file report).

Everything is read and checked before anything is written; see each module for the rules.
"""

from __future__ import annotations

from knowledge_graph.seed_checks import Seed, SeedChecker, read_seed
from knowledge_graph.seed_reader import (
    DEFAULT_SEED_DIR,
    DEPENDS_ON,
    FILES,
    Parsed,
    StatuteInfo,
    load_statute_index,
    parse_file,
    read_section,
)
from knowledge_graph.seed_writer import FileResult, LoadReport, apply_schema, case_rows, load, write_seed

__all__ = [
    "DEFAULT_SEED_DIR",
    "DEPENDS_ON",
    "FILES",
    "FileResult",
    "LoadReport",
    "Parsed",
    "Seed",
    "SeedChecker",
    "StatuteInfo",
    "apply_schema",
    "case_rows",
    "load",
    "load_statute_index",
    "parse_file",
    "read_section",
    "read_seed",
    "write_seed",
]
