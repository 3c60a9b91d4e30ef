"""Add to a model file the keys of the posts it was trained on (see ``smclass.model.seen``).

Models that ``smclass train`` writes carry them. The bundled models were trained before
they were kept: this reads each one's training files again, in the order its card names
them, checks that they are exactly the data its card fingerprints (``training_data_sha256``),
and writes the model back with the keys beside it. Nothing else in the file changes: the
classifier's arrays and the card are written as they were read. Run from a checkout:

    python scripts/record_training_texts.py models/smclass-default.npz models/smclass-accurate.npz models/smclass-accurate-e5.npz
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    from smclass.model import dataset, files, seen, training

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path)
    args = parser.parse_args()
    for path in args.models:
        model = files.load(path)
        folders = [str(ROOT / "data" / name) for name in model.card["training_sources"]]
        posts = dataset.read_labelled(folders)
        if training.data_fingerprint(posts.texts, posts.labels) != model.card["training_data_sha256"]:
            print(f"{path}: {', '.join(folders)} are not the data its card fingerprints: left as it was", file=sys.stderr)
            return 1
        model.seen = seen.keys(posts.texts)
        files.save(model, path)
        print(f"{path}: {len(model.seen):,} keys of its {len(posts.texts):,} training posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
