"""Every kind of prediction by the name definitions give it (`kind:`).

A kind's module, and the model libraries it needs (LightGBM, SHAP, scikit-learn,
lifetimes, implicit...), load on its first use: the API and the workers that never train
or explain a model stay light and start fast.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from baton.predict.kinds import Kind

_KINDS = {
    "classification": ("baton.predict.classification", "Classification"),
    "clv": ("baton.predict.clv", "Clv"),
    "recommendations": ("baton.predict.recommendations", "Recommendations"),
    "sentiment": ("baton.predict.sentiment", "Sentiment"),
}


@cache
def kind_of(name: str) -> Kind:
    module, attribute = _KINDS[name]
    kind: Kind = getattr(import_module(module), attribute)()
    return kind
