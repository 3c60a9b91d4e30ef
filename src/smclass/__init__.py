"""smclass: label social-media posts with Anklam's types of social media.

>>> import smclass
>>> model = smclass.load()
>>> model.classify(["Our flight was cancelled again @SkyAir, no refund yet"])[0].label
'Customer'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = ["LABELS", "Model", "Prediction", "__version__", "load", "read"]

if TYPE_CHECKING:
    from smclass.api import load, read
    from smclass.labels import LABELS
    from smclass.model.files import Model, Prediction


def __getattr__(name: str) -> Any:
    # Imported on first use, so `smclass --help` does not pay for numpy and the model code.
    if name in ("load", "read"):
        from smclass import api

        return getattr(api, name)
    if name in ("Model", "Prediction"):
        from smclass.model import files

        return getattr(files, name)
    if name == "LABELS":
        from smclass.labels import LABELS

        return LABELS
    raise AttributeError(f"module 'smclass' has no attribute {name!r}")
