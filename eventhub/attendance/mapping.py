"""Which column of an attendance file says what: recognised from known headers, or given by
the organizer in the mapping step when a file's columns are not recognised.

Pure: no database. A mapping is remembered per organization under the ``signature`` of the
header it was made for (the service stores it), so the next file with the same columns is
read the same way without asking again."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from eventhub.attendance.importtext import key

# The fields a mapping may name, in the order the mapping step shows them. A name is one
# column, or first and last name in two.
FIELDS = ("email", "name", "first_name", "last_name", "join", "leave", "duration", "role")


@dataclass(frozen=True)
class ColumnMapping:
    """Column indexes (0-based) of the table whose header is on ``header_line`` (1-based,
    as the file numbers its lines); ``excluded_roles`` are role values (compared
    case-insensitively) of people who do not count, such as the organizer; ``sheet``: of
    a workbook, the sheet (0-based; None: the first with data)."""

    header_line: int
    columns: dict[str, int]
    excluded_roles: frozenset[str] = field(default_factory=frozenset)
    sheet: int | None = None

    def problems(self) -> list[str]:
        """What the mapping lacks to read attendance (field names); empty when usable."""
        missing = [] if "email" in self.columns else ["email"]
        if "duration" not in self.columns and not {"join", "leave"} <= self.columns.keys():
            missing.append("duration")
        if len(set(self.columns.values())) < len(self.columns):
            missing.append("distinct")
        return missing

    def is_excluded(self, role: str) -> bool:
        return role.strip().casefold() in self.excluded_roles

    def to_json(self) -> dict[str, Any]:
        return {"header_line": self.header_line, "columns": dict(self.columns),
                "excluded_roles": sorted(self.excluded_roles), "sheet": self.sheet}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ColumnMapping:
        columns = {name: int(index) for name, index in data.get("columns", {}).items()
                   if name in FIELDS and int(index) >= 0}
        sheet = data.get("sheet")
        return cls(header_line=int(data.get("header_line", 1)), columns=columns,
                   excluded_roles=roles(data.get("excluded_roles", ())),
                   sheet=int(sheet) if sheet is not None else None)


def roles(values) -> frozenset[str]:
    """Role values as the mapping compares them: trimmed, case-folded, none empty."""
    return frozenset(v.strip().casefold() for v in values if v and v.strip())


def signature(header: list[str]) -> str:
    """The same for every file whose header has the same columns in the same order."""
    normal = "\x1f".join(key(cell) for cell in header)
    return hashlib.sha256(normal.encode()).hexdigest()


class NeedsMapping(Exception):
    """The file is a table whose columns are not recognised: what the mapping step shows
    (its header, the first rows, and the columns that could be guessed)."""

    def __init__(self, header_line: int, header: list[str], rows: list[list[str]],
                 guess: ColumnMapping, reason, sheets: tuple[str, ...] = (),
                 file_format: str = "csv", lines: list[int] | None = None) -> None:
        super().__init__(f"line {header_line}: {reason}")
        self.header_line = header_line
        self.header = header
        self.rows = rows
        self.guess = guess  # its sheet: the one shown, of a workbook
        self.reason = reason  # translatable: why the columns were not recognised
        self.sheets = sheets  # a workbook's sheet names, to pick another
        self.file_format = file_format  # "csv" or "xlsx"
        self.lines = lines or [header_line]  # the first lines with content: header choices

    @property
    def signature(self) -> str:
        return signature(self.header)
