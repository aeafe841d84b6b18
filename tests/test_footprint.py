"""What every web worker carries: libraries that only a rare organizer action needs are
imported by that action, not when the app starts (each web worker would hold them)."""
from __future__ import annotations

import subprocess
import sys

RARE = ("fpdf", "fontTools", "openpyxl")  # certificates; spreadsheets in and out


def test_the_app_starts_without_the_libraries_of_rare_actions(tmp_path):
    code = (
        "import sys\n"
        "from eventhub import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db'}})\n"
        f"print(sorted(m for m in {RARE!r} if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"
