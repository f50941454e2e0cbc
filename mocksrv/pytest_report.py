"""`pytest --mocksrv-report FILE`: per test, what its client sent and what the server refused.

Written as JUnit XML (`.xml`, one <testcase> per test with <properties> and <system-out>, as
CI systems display) or JSON (any other suffix).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .calls import Call


@dataclass
class TestRecord:
    nodeid: str
    outcome: str
    duration_s: float
    calls: list[Call]
    message: str = ""  # the failure text, when the test failed
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {
            "requests": len(self.calls),
            "refused": len(self.refused),
            "strict_misses": sum(c.strict_miss for c in self.calls),
            "faults": sum(c.faulted for c in self.calls),
        }

    @property
    def refused(self) -> list[Call]:
        return [c for c in self.calls if c.refused]

    def lines(self) -> list[str]:
        """One line per request: what it was and what became of it."""
        out = []
        for call in self.calls:
            tags = []
            if call.refused:
                tags.append("REFUSED " + "; ".join(call.violations or (str(call.entry.get("rule")),)))
            if call.strict_miss:
                tags.append("STRICT MISS")
            if call.faulted:
                tags.append("FAULT " + ",".join(call.faults or (str(call.ended_by),)))
            out.append(call.describe() + ("  [" + " | ".join(tags) + "]" if tags else ""))
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "test": self.nodeid,
            "outcome": self.outcome,
            "duration_s": round(self.duration_s, 6),
            **self.counts,
            "requests_seen": [
                {
                    "id": c.id,
                    "method": c.method,
                    "path": c.path,
                    "status": c.status,
                    "dialect": c.dialect,
                    "model": c.model,
                    "fixture": c.fixture,
                    "scenario": c.scenario,
                    "violations": list(c.violations),
                    "refused": c.refused,
                    "strict_miss": c.strict_miss,
                    "faults": list(c.faults),
                    "ended_by": c.ended_by,
                }
                for c in self.calls
            ],
        }


def _names(nodeid: str) -> tuple[str, str]:
    """JUnit's classname and name, as pytest's own junitxml derives them."""
    path, _, rest = nodeid.partition("::")
    parts = rest.split("::")
    module = path.removesuffix(".py").replace("/", ".")
    return ".".join([module, *parts[:-1]]), parts[-1]


def junit_xml(records: list[TestRecord]) -> bytes:
    failures = sum(r.outcome == "failed" for r in records)
    skipped = sum(r.outcome == "skipped" for r in records)
    suite_attrs = {"name": "mocksrv", "tests": str(len(records)), "failures": str(failures)}
    suite_attrs.update({"errors": "0", "skipped": str(skipped)})
    suites = ElementTree.Element("testsuites", {"name": "mocksrv"})
    suite = ElementTree.SubElement(suites, "testsuite", suite_attrs)
    for record in records:
        classname, name = _names(record.nodeid)
        case = ElementTree.SubElement(
            suite, "testcase", {"classname": classname, "name": name, "time": f"{record.duration_s:.3f}"}
        )
        properties = ElementTree.SubElement(case, "properties")
        for key, value in record.counts.items():
            ElementTree.SubElement(properties, "property", {"name": f"mocksrv.{key}", "value": str(value)})
        if record.outcome == "failed":
            failure = ElementTree.SubElement(
                case, "failure", {"message": (record.message.splitlines() or ["failed"])[0][:500]}
            )
            failure.text = record.message
        elif record.outcome == "skipped":
            ElementTree.SubElement(case, "skipped")
        ElementTree.SubElement(case, "system-out").text = "\n".join(record.lines())
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)


def write(path: Path, records: list[TestRecord]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".xml":
        path.write_bytes(junit_xml(records))
    else:
        document = {"tests": [r.as_json() for r in records]}
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
