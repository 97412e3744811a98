#!/usr/bin/env python3
"""Reference scorer for extraction records, written from shared/spec/extraction.md (Scoring).

Independent of the Rust implementation (src/eval.rs), used to cross-check it.
Usage: python3 scripts/score_spec.py GOLD.jsonl PRED.jsonl   (prints the JSON report)

Rules:
- Records are paired by "id". A gold id without prediction: all its gold is missed.
  Predicted ids absent from gold are ignored (listed under "warnings"); a repeated
  predicted id: the first record counts.
- Entity fits: same label and identical (strict) or overlapping (lenient) spans.
  Triple fits: actor, action and place each identical (strict) or overlapping (lenient); a null
  actor fits only a null actor.
  Spans overlap when they share a code point or are equal.
- Matching, per document: predictions in order of (start, end, input position), each taking
  the first still-free gold in the same order that fits, required gold before optional gold.
  A triple's start/end: min start / max end over actor, action, place.
- Optional gold: a prediction matched to it is neither TP nor FP; left unmatched, not an FN.
- P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2PR/(P+R), each 0 when its denominator is 0.
- Per label: PER, ORG, LOC, MISC and every label occurring. Macro: plain mean of the per-label
  P, R and F1 over the labels having some TP, FP or FN; its counts are the totals.
- negated / place_relation accuracy: over lenient pairs counting as TP; null if there are none.
"""
import json
import sys

BASE_LABELS = ("PER", "ORG", "LOC", "MISC")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def share(a, b):
    """Do spans a and b (start, end) overlap, equal spans included?"""
    return a == b or max(a[0], b[0]) < min(a[1], b[1])


def span(s):
    return (s["start"], s["end"])


def ent_extent(e):
    return span(e)


def tri_extent(t):
    parts = [x for x in (t["actor"], t["action"], t["place"]) if x is not None]
    return (min(p["start"] for p in parts), max(p["end"] for p in parts))


def ent_fits(strict):
    def fits(p, g):
        if p["label"] != g["label"]:
            return False
        return span(p) == span(g) if strict else share(span(p), span(g))
    return fits


def tri_fits(strict):
    def fits(p, g):
        for role in ("actor", "action", "place"):
            if p[role] is None or g[role] is None:
                # A null actor matches only a null actor (spec v2).
                if p[role] is not g[role] and (p[role] is None) != (g[role] is None):
                    return False
                continue
            a, b = span(p[role]), span(g[role])
            if (a != b) if strict else (not share(a, b)):
                return False
        return True
    return fits


def align(gold_items, pred_items, extent, fits):
    """Returns (pairs, unmatched_pred, unmatched_required_gold); pairs hold (pred, gold) with gold required."""
    gold_sorted = sorted(range(len(gold_items)), key=lambda i: (extent(gold_items[i]), i))
    pred_sorted = sorted(range(len(pred_items)), key=lambda i: (extent(pred_items[i]), i))
    taken = set()
    pairs, lone_pred = [], []
    for pi in pred_sorted:
        pred = pred_items[pi]
        chosen = None
        for want_optional in (False, True):
            for gi in gold_sorted:
                g = gold_items[gi]
                if gi in taken or bool(g.get("optional", False)) != want_optional:
                    continue
                if fits(pred, g):
                    chosen = gi
                    break
            if chosen is not None:
                break
        if chosen is None:
            lone_pred.append(pi)
            continue
        taken.add(chosen)
        if not gold_items[chosen].get("optional", False):
            pairs.append((pi, chosen))
    lone_gold = [gi for gi in range(len(gold_items))
                 if gi not in taken and not gold_items[gi].get("optional", False)]
    return pairs, lone_pred, lone_gold


def score(gold_recs, pred_recs):
    preds, unknown, dup_pred = {}, [], []
    gold_ids = [g["id"] for g in gold_recs]
    gold_id_set = set(gold_ids)
    for rec in pred_recs:
        if rec["id"] in preds:
            if rec["id"] not in dup_pred:
                dup_pred.append(rec["id"])
            continue
        preds[rec["id"]] = rec
        if rec["id"] not in gold_id_set:
            unknown.append(rec["id"])
    dup_gold = sorted({i for i in gold_ids if gold_ids.count(i) > 1}, key=gold_ids.index)
    missing = []

    labels = {lab: {"strict": [0, 0, 0], "lenient": [0, 0, 0]} for lab in BASE_LABELS}
    triples = {"strict": [0, 0, 0], "lenient": [0, 0, 0]}
    n_pairs = neg_ok = rel_ok = 0

    for g in gold_recs:
        p = preds.get(g["id"])
        if p is None:
            missing.append(g["id"])
            p = {}
        g_ents, p_ents = g.get("entities", []), p.get("entities", [])
        for e in g_ents + p_ents:
            labels.setdefault(e["label"], {"strict": [0, 0, 0], "lenient": [0, 0, 0]})
        for mode in ("strict", "lenient"):
            pairs, lone_p, lone_g = align(g_ents, p_ents, ent_extent, ent_fits(mode == "strict"))
            for pi, _ in pairs:
                labels[p_ents[pi]["label"]][mode][0] += 1
            for pi in lone_p:
                labels[p_ents[pi]["label"]][mode][1] += 1
            for gi in lone_g:
                labels[g_ents[gi]["label"]][mode][2] += 1

        g_tri, p_tri = g.get("triples", []), p.get("triples", [])
        for mode in ("strict", "lenient"):
            pairs, lone_p, lone_g = align(g_tri, p_tri, tri_extent, tri_fits(mode == "strict"))
            c = triples[mode]
            c[0] += len(pairs)
            c[1] += len(lone_p)
            c[2] += len(lone_g)
            if mode == "lenient":
                for pi, gi in pairs:
                    n_pairs += 1
                    neg_ok += bool(p_tri[pi].get("negated", False)) == bool(g_tri[gi].get("negated", False))
                    rel_ok += p_tri[pi]["place_relation"] == g_tri[gi]["place_relation"]

    entities = {"per_label": {}, "macro": {}}
    for mode in ("strict", "lenient"):
        totals = [sum(labels[lab][mode][k] for lab in labels) for k in range(3)]
        entities[mode] = prf(*totals)
        per = {lab: prf(*labels[lab][mode]) for lab in labels}
        for lab in sorted(per):
            entities["per_label"].setdefault(lab, {})[mode] = per[lab]
        live = [s for s in per.values() if s["tp"] + s["fp"] + s["fn"] > 0]
        mean = lambda key: sum(s[key] for s in live) / len(live) if live else 0.0
        entities["macro"][mode] = {"precision": mean("precision"), "recall": mean("recall"),
                                   "f1": mean("f1"), "tp": totals[0], "fp": totals[1], "fn": totals[2]}

    return {
        "docs": len(gold_recs),
        "entities": entities,
        "triples": {
            "strict": prf(*triples["strict"]),
            "lenient": prf(*triples["lenient"]),
            "negated_accuracy": neg_ok / n_pairs if n_pairs else None,
            "place_relation_accuracy": rel_ok / n_pairs if n_pairs else None,
            "matched": n_pairs,
            "negated_correct": neg_ok,
            "place_relation_correct": rel_ok,
        },
        "warnings": {"missing_pred_ids": missing, "unknown_pred_ids": unknown,
                     "duplicate_pred_ids": dup_pred, "duplicate_gold_ids": dup_gold},
    }


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: score_spec.py GOLD.jsonl PRED.jsonl")
    print(json.dumps(score(load(argv[1]), load(argv[2])), indent=2, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
