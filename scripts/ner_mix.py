#!/usr/bin/env python3
"""Builds the NER training and selection mixes of the multi-source model (docs/training.md).

Usage: scripts/ner_mix.py DATA_DIR OUT_DIR [--gmb-sentences N] [--crossner-copies K] [--conll-copies C] [--seed S]
                          [--gmb-agree PRED]
Writes OUT_DIR/train.txt (CoNLL-2003 train C times, N GMB train sentences drawn with the seed,
CrossNER politics train K times) and OUT_DIR/dev.txt (CoNLL-2003 dev, GMB dev, CrossNER politics dev), all
`token TAB tag` IOB, sentences apart. Nothing here is copied into the project: OUT_DIR is scratch.
With --gmb-agree, GMB sentences are drawn only from those whose silver tags the current model
agrees with, token for token (PRED: `triplex eval --conll DATA_DIR/gmb/train.txt --predictions PRED`,
the predicted tag last): filtering instead of weighting (issue 19).
"""
import argparse
import random
from pathlib import Path


def sentences(path):
    """Sentences of a CoNLL-style file as lists of (token, tag); -DOCSTART- lines dropped."""
    out, cur = [], []
    # Lines end at "\n" only and columns part at ASCII blanks: a token may be another Unicode
    # space (GMB train has U+0085, which splitlines() and split() would break on).
    for line in Path(path).read_text(encoding="utf-8").split("\n"):
        line = line.rstrip("\r")
        cols = [c for c in line.replace("\t", " ").split(" ") if c]
        if not cols:
            if cur:
                out.append(cur)
            cur = []
            continue
        if cols[0] == "-DOCSTART-":
            continue
        cur.append((cols[0], cols[-1]))
    if cur:
        out.append(cur)
    return out


def iob2(sentence):
    """IOB1 → IOB2 (CoNLL-2003 train is IOB1): an I- that does not continue its type starts a span."""
    out, prev = [], "O"
    for tok, tag in sentence:
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append((tok, tag))
        prev = tag
    return out


def write(path, sents):
    with open(path, "w", encoding="utf-8") as f:
        for s in sents:
            for tok, tag in s:
                f.write(f"{tok}\t{tag}\n")
            f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--gmb-sentences", type=int, default=10000)
    ap.add_argument("--crossner-copies", type=int, default=4)
    ap.add_argument("--conll-copies", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--gmb-agree", help="predictions file of the current model on GMB train")
    a = ap.parse_args()
    data, out = Path(a.data), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    conll = [iob2(s) for s in sentences(data / "conll2003/train.txt")]
    gmb = sentences(data / "gmb/train.txt")
    if a.gmb_agree:
        pred = sentences(a.gmb_agree)
        if [[t for t, _ in s] for s in pred] != [[t for t, _ in s] for s in gmb]:
            raise SystemExit(f"{a.gmb_agree} does not hold GMB train's sentences")
        total = len(gmb)
        gmb = [s for s, p in zip(gmb, pred) if [t for _, t in s] == [t for _, t in p]]
        print(f"GMB: the model agrees with {len(gmb)} of {total} sentences")
    random.Random(a.seed).shuffle(gmb)
    cross = sentences(data / "crossner_politics/train.txt")
    train = conll * a.conll_copies + gmb[: a.gmb_sentences] + cross * a.crossner_copies
    write(out / "train.txt", train)
    dev = [iob2(s) for s in sentences(data / "conll2003/dev.txt")] + sentences(data / "gmb/dev.txt") + sentences(data / "crossner_politics/dev.txt")
    write(out / "dev.txt", dev)
    print(f"train: {a.conll_copies}x{len(conll)} CoNLL + {min(a.gmb_sentences, len(gmb))} GMB + {a.crossner_copies}x{len(cross)} CrossNER = {len(train)} sentences; dev: {len(dev)}")


if __name__ == "__main__":
    main()
