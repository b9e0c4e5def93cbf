"""Trains clipmill's boundary verifier (src/segment/verifier.ts) on CPU.

    /usr/bin/python3 bench/shots/train_verifier.py DATA.jsonl [DATA.jsonl ...]
        [--out src/segment/boundary-model.json] [--trees 200] [--depth 2] [--rate 0.1]
        [--cv-set dev-annotated]

DATA files come from bench/shots/verifier-data.ts: one boundary a line, its features and whether it
matches a true transition. The model is gradient-boosted decision trees (scikit-learn, Debian's
python3-sklearn), written as plain arrays that verifier.ts walks. With --cv-set, the boundaries of
that set are also scored video by video by models trained without that video (leave one video
out), so the figure for a set the model learns from is still one it did not see.
Never give it held-out data: the held-out split is only reported.
"""
import argparse
import json
import sys

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def fit(X, y, args):
    model = GradientBoostingClassifier(
        n_estimators=args.trees, max_depth=args.depth, learning_rate=args.rate, subsample=0.8, random_state=0
    )
    model.fit(X, y)
    return model


def counts(rows, keep):
    tp = sum(1 for r, k in zip(rows, keep) if k and r["label"] == 1)
    fp = sum(1 for r, k in zip(rows, keep) if k and r["label"] == 0)
    fn = sum(1 for r, k in zip(rows, keep) if not k and r["label"] == 1)
    return tp, fp, fn


def export(model, names, path):
    init = float(model._raw_predict_init(np.zeros((1, len(names))))[0, 0])
    trees = []
    for est in model.estimators_[:, 0]:
        t = est.tree_
        trees.append(
            {
                "feature": [int(v) if v >= 0 else -1 for v in t.feature],
                "threshold": [float(v) for v in t.threshold],
                "left": [int(v) for v in t.children_left],
                "right": [int(v) for v in t.children_right],
                "value": [round(float(v), 6) for v in t.value[:, 0, 0]],
            }
        )
    with open(path, "w") as f:
        json.dump({"features": names, "base": init, "rate": model.learning_rate, "trees": trees}, f, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="+")
    ap.add_argument("--out", default="src/segment/boundary-model.json")
    ap.add_argument("--names", default=None, help="JSON list of feature names (default: read from FEATURE_NAMES in boundary-features.ts)")
    ap.add_argument("--trees", type=int, default=200)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--cv-set", default=None)
    args = ap.parse_args()

    rows = load(args.data)
    names = json.loads(args.names) if args.names else feature_names()
    X = np.array([r["features"] for r in rows], dtype=np.float64)
    y = np.array([r["label"] for r in rows])
    if X.shape[1] != len(names):
        sys.exit(f"the data has {X.shape[1]} features, the code names {len(names)}: regenerate the data")
    print(f"{len(rows)} boundaries, {int(y.sum())} true, from {len(set((r['set'], r['video']) for r in rows))} videos", file=sys.stderr)

    if args.cv_set:
        cv = [i for i, r in enumerate(rows) if r["set"] == args.cv_set]
        videos = sorted(set(rows[i]["video"] for i in cv))
        keep_rules = [True] * len(cv)
        keep_model = []
        for v in videos:
            test = [i for i in cv if rows[i]["video"] == v]
            train = [i for i in range(len(rows)) if not (rows[i]["set"] == args.cv_set and rows[i]["video"] == v)]
            m = fit(X[train], y[train], args)
            p = m.predict_proba(X[test])[:, 1]
            keep_model += [bool(q >= 0.5) for q in p]
            for i, q in zip(test, p):
                r = rows[i]
                print(f"  {v} {r['kind']} {r['start']}-{r['end']} label {r['label']} score {q:.2f}", file=sys.stderr)
        order = [i for v in videos for i in cv if rows[i]["video"] == v]
        cv_rows = [rows[i] for i in order]
        print(f"{args.cv_set} leave-one-video-out: all boundaries tp/fp/fn {counts(cv_rows, keep_rules)}, kept by the model {counts(cv_rows, keep_model)}", file=sys.stderr)

    model = fit(X, y, args)
    top = sorted(zip(model.feature_importances_, names), reverse=True)[:8]
    print("importance: " + ", ".join(f"{n} {v:.2f}" for v, n in top), file=sys.stderr)
    export(model, names, args.out)
    print(f"model written to {args.out}", file=sys.stderr)


def feature_names():
    import re

    src = open("src/segment/boundary-features.ts").read()
    block = re.search(r"FEATURE_NAMES = \[(.*?)\] as const", src, re.S).group(1)
    return re.findall(r"'([a-z_]+)'", block)


if __name__ == "__main__":
    main()
