"""Result types of the three extraction stages and their JSON form.

Every extracted value travels with a confidence, the span of the original OCR text it was read from and notes
on anything that was repaired or failed a check, so that a reviewer (or a later LLM pass) knows what to look
at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from illustra_shared.contract import BASIC_FIELDS, ROW_FIELDS, SUMMARY_FIELDS


@dataclass(frozen=True, slots=True)
class Field:
    value: Any
    confidence: float
    span: tuple[int, int] | None
    issues: tuple[str, ...] = ()

    def meta(self) -> dict:
        return {
            "confidence": round(self.confidence, 3),
            "span": list(self.span) if self.span is not None else None,
            "issues": list(self.issues),
        }

    def doubted(self, ceiling: float, *issues: str) -> Field:
        """The same reading, no surer than `ceiling`, with what puts it in doubt."""
        return Field(self.value, min(self.confidence, ceiling), self.span, (*self.issues, *issues))

    @classmethod
    def from_parts(cls, value: Any, meta: dict) -> Field:
        span = meta.get("span")
        return cls(
            value=value,
            confidence=float(meta.get("confidence", 0.0)),
            span=(int(span[0]), int(span[1])) if span is not None else None,
            issues=tuple(meta.get("issues", ())),
        )


MISSING = Field(None, 0.0, None)


def _fields_to_json(fields: dict[str, Field], names: tuple[str, ...]) -> dict:
    return {
        "values": {name: fields.get(name, MISSING).value for name in names},
        "meta": {name: fields.get(name, MISSING).meta() for name in names},
    }


def _fields_from_json(data: dict, names: tuple[str, ...]) -> dict[str, Field]:
    values = data.get("values", {})
    meta = data.get("meta", {})
    return {name: Field.from_parts(values.get(name), meta.get(name, {})) for name in names}


@dataclass
class _NamedFields:
    """A stage result made of the fields named in ``names``."""

    fields: dict[str, Field]
    names: ClassVar[tuple[str, ...]]

    def get(self, name: str) -> Any:
        return self.fields.get(name, MISSING).value

    def values(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.names}

    def to_json(self) -> dict:
        return _fields_to_json(self.fields, self.names)

    @classmethod
    def from_json(cls, data: dict) -> Self:
        return cls(_fields_from_json(data, cls.names))


class BasicInfo(_NamedFields):
    names = BASIC_FIELDS


@dataclass
class ValueTable:
    rows: list[dict[str, Field]]
    issues: tuple[str, ...] = field(default=())

    def values(self) -> list[dict[str, Any]]:
        return [{name: row.get(name, MISSING).value for name in ROW_FIELDS} for row in self.rows]

    def to_json(self) -> dict:
        return {"rows": [_fields_to_json(row, ROW_FIELDS) for row in self.rows], "issues": list(self.issues)}

    @classmethod
    def from_json(cls, data: dict) -> ValueTable:
        return cls(
            rows=[_fields_from_json(row, ROW_FIELDS) for row in data.get("rows", [])],
            issues=tuple(data.get("issues", ())),
        )


class Summary(_NamedFields):
    names = SUMMARY_FIELDS
