"""Hyper-parameter sweep for `triplex train ner`, on a GPU, with a PyTorch replica of its model.

Same architecture and data handling as src/train.rs (MiniLM-L6 encoder, word shapes as token
types, first-piece labels, AdamW with warm-up and linear decay, clipping at 1, dropout 0.1), so
that the settings chosen on dev here can be used for the real (candle, CPU) training run. Only
dev F1 is used for choosing; test F1 is printed for the chosen setting alone.

Usage (on a machine with torch, transformers, tokenizers, safetensors):
  python3 scripts/gpu_sweep.py DIR   # DIR: base.f16.safetensors, config.json, tokenizer.json, train/dev/test.txt
"""
import json, sys, time, random
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from transformers import BertConfig, BertForTokenClassification

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def shape(w):  # port of words::shape
    up = sum(c.isupper() for c in w); lo = sum(c.islower() for c in w); dg = sum(c.isnumeric() for c in w)
    lo += sum(c.isalpha() and not c.isupper() and not c.islower() for c in w)
    if not w: return 0
    if up + lo == 0 and dg == 0: return 7
    if up + lo == 0: return 5
    if dg > 0: return 6
    if up == 0: return 1
    if lo == 0 and up == 1: return 4
    if lo == 0: return 3
    if w[0].isupper() and up == 1: return 2
    return 6


def read_conll(path):
    sents, toks, tags = [], [], []
    for line in open(path, encoding="utf-8"):
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if toks: sents.append((toks, tags)); toks, tags = [], []
            continue
        toks.append(cols[0]); tags.append(cols[-1])
    if toks: sents.append((toks, tags))
    out = []
    for toks, tags in sents:  # IOB1 -> IOB2
        t2 = []
        for i, t in enumerate(tags):
            if t.startswith("I-") and (i == 0 or tags[i - 1] == "O" or tags[i - 1][2:] != t[2:]): t = "B-" + t[2:]
            t2.append(t)
        out.append((toks, t2))
    return out


def chunks(tags):  # conlleval chunks over IOB2
    out, cur = [], None
    for i, t in enumerate(tags + ["O"]):
        if cur and (t == "O" or t.startswith("B-") or t[2:] != cur[0]):
            out.append((cur[0], cur[1], i)); cur = None
        if t != "O" and cur is None: cur = (t[2:], i)
    return set(out)


def f1(gold, pred):
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        g, p = chunks(g), chunks(p); tp += len(g & p); fp += len(p - g); fn += len(g - p)
    pr = tp / max(tp + fp, 1); rc = tp / max(tp + fn, 1)
    return 0 if pr + rc == 0 else 2 * pr * rc / (pr + rc)


def encode(tok, sents, cls, sep):
    exs = []
    for words, tags in sents:
        enc = tok.encode(words, is_pretokenized=True, add_special_tokens=False)
        ids, types, labs, firsts = [cls], [0], [-100], []
        prev = None
        for i, (pid, w) in enumerate(zip(enc.ids, enc.word_ids)):
            if w is None or len(ids) >= 127: continue
            ids.append(pid); types.append(shape(words[w]))
            first = w != prev; prev = w
            labs.append(LABELS.index(tags[w]) if first else -100)
            if first: firsts.append((len(ids) - 1, w))
        ids.append(sep); types.append(0); labs.append(-100)
        exs.append((ids, types, labs, firsts, len(words)))
    return exs


def pad(batch, dev):
    T = max(len(e[0]) for e in batch)
    ids = torch.zeros(len(batch), T, dtype=torch.long); ty = torch.zeros_like(ids); lab = torch.full_like(ids, -100); m = torch.zeros_like(ids)
    for i, e in enumerate(batch):
        n = len(e[0]); ids[i, :n] = torch.tensor(e[0]); ty[i, :n] = torch.tensor(e[1]); lab[i, :n] = torch.tensor(e[2]); m[i, :n] = 1
    return ids.to(dev), ty.to(dev), lab.to(dev), m.to(dev)


ALLOWED = [[not (j % 2 == 0 and j > 0) or (i > 0 and (i + 1) // 2 == (j + 1) // 2) for j in range(9)] for i in range(9)]


def viterbi(lp):  # lp: [n, 9] log-probs; I-X only after B-X/I-X
    n = len(lp); best = [[-1e9 if (j % 2 == 0 and j > 0) else lp[0][j] for j in range(9)]]; back = []
    for i in range(1, n):
        row, bk = [], []
        for j in range(9):
            c = max((best[-1][p], p) for p in range(9) if ALLOWED[p][j]); row.append(c[0] + lp[i][j]); bk.append(c[1])
        best.append(row); back.append(bk)
    j = max(range(9), key=lambda k: best[-1][k]); path = [j]
    for bk in reversed(back): j = bk[j]; path.append(j)
    return path[::-1]


@torch.no_grad()
def predict(model, exs, dev):
    model.eval(); out = []
    order = sorted(range(len(exs)), key=lambda i: len(exs[i][0])); res = [None] * len(exs)
    for s in range(0, len(order), 256):
        idx = order[s:s + 256]; batch = [exs[i] for i in idx]
        ids, ty, _, m = pad(batch, dev)
        lp = torch.log_softmax(model(input_ids=ids, token_type_ids=ty, attention_mask=m).logits.float(), -1).cpu()
        for b, i in enumerate(idx):
            e = exs[i]; scores = [[0.0] + [-20.0] * 8 for _ in range(e[4])]
            for pos, w in e[3]: scores[w] = lp[b, pos].tolist()
            res[i] = [LABELS[k] for k in viterbi(scores)]
    model.train()
    return res


def run(d, lr, epochs, seed, data, devg):
    dev, gold_dev = devg
    torch.manual_seed(seed); random.seed(seed)
    cfg = BertConfig(**{k: v for k, v in json.load(open(f"{d}/config.json")).items() if not k.startswith("_")})
    cfg.type_vocab_size = 8; cfg.num_labels = 9
    model = BertForTokenClassification(cfg)
    base = {k: v.float() for k, v in load_file(f"{d}/base.f16.safetensors").items()}
    base["embeddings.token_type_embeddings.weight"] = base["embeddings.token_type_embeddings.weight"][0:1].repeat(8, 1)
    missing = model.bert.load_state_dict(base, strict=False)
    assert not [k for k in missing.missing_keys if "pooler" not in k], missing
    model.to(dev)
    train, dv, test = data
    nd = ["bias", "LayerNorm"]
    groups = [{"params": [p for n, p in model.named_parameters() if not any(x in n for x in nd)], "weight_decay": 0.01},
              {"params": [p for n, p in model.named_parameters() if any(x in n for x in nd)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr)
    bs = 32; steps = epochs * ((len(train) + bs - 1) // bs); warm = max(1, int(0.1 * steps + 0.999))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    best = (-1, 0, None); hist = []
    for ep in range(epochs):
        idx = list(range(len(train))); random.shuffle(idx)
        batches = []
        for p in range(0, len(idx), bs * 64):
            pool = sorted(idx[p:p + bs * 64], key=lambda i: len(train[i][0]))
            batches += [pool[i:i + bs] for i in range(0, len(pool), bs)]
        random.shuffle(batches)
        for b in batches:
            ids, ty, lab, m = pad([train[i] for i in b], dev)
            loss = model(input_ids=ids, token_type_ids=ty, attention_mask=m, labels=lab).loss
            loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); sched.step(); opt.zero_grad()
        f = f1(gold_dev, predict(model, dv, dev)); hist.append(round(f, 4))
        if f > best[0]: best = (f, ep + 1, {k: v.detach().clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[2])
    return best[0], best[1], hist, model


def main():
    d = sys.argv[1]; dev = "cuda"
    tok = Tokenizer.from_file(f"{d}/tokenizer.json"); tok.no_padding(); tok.no_truncation()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tr, dv, te = (read_conll(f"{d}/{s}.txt") for s in ("train", "dev", "test"))
    data = (encode(tok, tr, cls, sep), encode(tok, dv, cls, sep), encode(tok, te, cls, sep))
    gold_dev = [t for _, t in dv]; gold_test = [t for _, t in te]
    configs = [(1e-4, 4), (2e-4, 4), (1e-4, 8), (2e-4, 8), (5e-5, 8), (3e-4, 6)]
    if len(sys.argv) > 2: configs = [tuple(json.loads(c)) for c in sys.argv[2:]]
    results = []
    for lr, ep in configs:
        t0 = time.time(); best, at, hist, model = run(d, lr, ep, 42, data, (dev, gold_dev))
        results.append((best, lr, ep, at, hist, model))
        print(json.dumps({"lr": lr, "epochs": ep, "best_dev_f1": round(best, 4), "best_epoch": at, "dev_per_epoch": hist, "seconds": round(time.time() - t0, 1)}), flush=True)
    best = max(results, key=lambda r: r[0])
    test_f1 = f1(gold_test, predict(best[5], data[2], dev))
    print(json.dumps({"chosen_on_dev": {"lr": best[1], "epochs": best[2]}, "dev_f1": round(best[0], 4), "test_f1_conllpp": round(test_f1, 4)}), flush=True)


if __name__ == "__main__":
    main()
