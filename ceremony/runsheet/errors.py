"""Validation problems, each naming where it is and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    where: str  # "line 12" (YAML), "row 5" (CSV), or "" when the whole file is at fault
    field: str  # dotted path, e.g. "items[3].duration"
    value: str
    expected: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.where}" if self.where else self.file
        shown = repr(self.value) if self.value else "(empty)"
        return f"{place}: {self.field}: got {shown}; expected {self.expected}"


@dataclass(frozen=True)
class Notice:
    """Something read that may not be what was meant: the file is used, the person is told."""

    file: str
    where: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.where}" if self.where else self.file
        shown = f" {self.value!r}" if self.value else ""
        return f"{place}: {self.field}:{shown} {self.message}"


class RunsheetError(Exception):
    """A run-sheet that cannot be used. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in problems))
