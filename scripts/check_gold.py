#!/usr/bin/env python3
"""Validates gold fixture files (JSON Lines) against the extraction contract: spans, labels, triples."""
import json
import sys

LABELS = {"PER", "ORG", "LOC", "MISC"}
RELATIONS = {"at", "to", "from", "near"}


def check_span(doc, span, where, errors):
    if not isinstance(span, dict) or not all(k in span for k in ("text", "start", "end")):
        errors.append(f"{where}: not a span {span!r}")
        return
    s, e = span["start"], span["end"]
    if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(doc)):
        errors.append(f"{where}: bad offsets {s}..{e}")
    elif doc[s:e] != span["text"]:
        errors.append(f"{where}: text {span['text']!r} != doc[{s}:{e}] {doc[s:e]!r}")


def check_record(rec, errors):
    rid = rec.get("id", "?")
    doc = rec.get("text")
    if not isinstance(doc, str):
        errors.append(f"{rid}: no text")
        return
    locs = set()
    for i, ent in enumerate(rec.get("entities", [])):
        check_span(doc, ent, f"{rid} entity {i}", errors)
        if ent.get("label") not in LABELS:
            errors.append(f"{rid} entity {i}: label {ent.get('label')!r}")
        if ent.get("label") == "LOC":
            locs.add((ent["start"], ent["end"]))
    for i, t in enumerate(rec.get("triples", [])):
        where = f"{rid} triple {i}"
        if t.get("actor") is not None:
            check_span(doc, t["actor"], where + " actor", errors)
        check_span(doc, t.get("action"), where + " action", errors)
        check_span(doc, t.get("place"), where + " place", errors)
        place = t.get("place") or {}
        if (place.get("start"), place.get("end")) not in locs:
            errors.append(f"{where}: place {place.get('text')!r} is not a LOC entity span")
        if t.get("place_relation") not in RELATIONS:
            errors.append(f"{where}: place_relation {t.get('place_relation')!r}")
        if not isinstance(t.get("negated"), bool):
            errors.append(f"{where}: negated must be true/false")
        nominal = (t.get("action") or {}).get("nominal")
        if nominal not in (None, True, False):
            errors.append(f"{where}: action.nominal must be a boolean")


def main(paths):
    errors, records, triples = [], 0, 0
    for path in paths:
        seen = set()
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{path}:{n}: {e}")
                continue
            if rec.get("id") in seen:
                errors.append(f"{path}:{n}: duplicate id {rec.get('id')}")
            seen.add(rec.get("id"))
            records += 1
            triples += len(rec.get("triples", []))
            check_record(rec, errors)
    for e in errors:
        print(e)
    print(f"{records} records, {triples} triples, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
