"""German is the default language: every string the code and templates use is translated."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import config

ROOT = config.PROJECT_ROOT
GERMAN = ROOT / "eventhub/translations/de/LC_MESSAGES"
ENGLISH = ROOT / "eventhub/translations/en/LC_MESSAGES"


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


@pytest.fixture(scope="module")
def used(tmp_path_factory) -> set:
    """Every string the code and templates use, as `pybabel extract` finds them."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract",
                    "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "."],
                   cwd=ROOT, check=True, timeout=120)
    return _ids(read_po(pot.open("rb")))


def test_every_used_string_has_a_german_translation(used):
    german = read_po((GERMAN / "messages.po").open("rb"))
    missing = used - _ids(german)
    untranslated = [m.id for m in german if m.id in used and (
        m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert not missing, f"not in the German catalogue: {sorted(map(str, missing))[:20]}"
    assert not untranslated, f"no German text: {untranslated[:20]}"


def _entries(catalog) -> dict:
    as_key = lambda value: tuple(value) if isinstance(value, list | tuple) else value  # noqa: E731
    return {as_key(m.id): as_key(m.string) for m in catalog if m.id and not m.fuzzy}


def test_compiled_catalogue_matches_the_source():
    source = _entries(read_po((GERMAN / "messages.po").open("rb")))
    compiled = _entries(read_mo((GERMAN / "messages.mo").open("rb")))
    assert compiled == source, "run `make translations`"


def test_the_english_catalogue_knows_every_used_string(used):
    """English is the source language (an empty translation shows the string itself), but a
    string missing from the catalogue means it was never regenerated: see the README."""
    english = _ids(read_po((ENGLISH / "messages.po").open("rb")))
    missing = used - english
    assert not missing, f"not in the English catalogue: {sorted(map(str, missing))[:20]}"
