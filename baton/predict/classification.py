"""Churn and propensity: a LightGBM classifier of whether a label holds, evaluated on held-out
rows beside a logistic regression baseline, and explained with SHAP values.

A trait label ("Churn" is "Yes") is evaluated by stratified 5-fold cross-validation. A
behavioural label (no `Order Completed` within 90 days) is evaluated by a time split:
trained on features as of now-2W labelled over (now-2W, now-W], tested on features as of
now-W labelled over (now-W, now]. The model that scores is trained on the latest window.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

import lightgbm
import numpy as np
import orjson
import shap
from numpy.typing import NDArray
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sqlalchemy import Connection, select

from baton.core.errors import InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.predict.definitions import ClassificationDefinition, EventLabel, TraitLabel
from baton.predict.evaluation import calibration, deciles, lift, ranking
from baton.predict.features import (
    FeatureSpec,
    Matrix,
    Profiles,
    describe,
    infer_spec,
    load_profiles,
    matrix,
)
from baton.predict.kinds import Progress, Reason, Score, Trained
from baton.storage.tables import events

SEED = 20240601
FOLDS = 5
# Fewer positives or negatives than this and no metric means anything.
MIN_CLASS = 20
REASONS = 5
# Rows SHAP importance is measured on: enough for a stable mean, cheap at any size.
IMPORTANCE_SAMPLE = 2000
FORMAT = "baton-classification/1"
MAX_ROUNDS = 500
MIN_ROUNDS = 20
PATIENCE = 30

Labels = NDArray[np.int_]


@dataclass(frozen=True)
class _Frame:
    """Rows to learn from or to test on: features as of `at`, labels over `labels`."""

    population: Profiles
    values: Matrix
    truth: Labels
    at: datetime
    labels: tuple[datetime, datetime] | None = None


class Classification:
    """The `classification` kind: see the module docstring."""

    def train(
        self,
        connection: Connection,
        workspace_id: str,
        definition: ClassificationDefinition,
        now: datetime,
        progress: Progress,
    ) -> Trained:
        trait = definition.label.trait
        behaviour = definition.label.behavioural
        if trait is not None:
            frame, spec = _trait_frame(connection, workspace_id, definition, trait, now)
            _check(frame, spec, "the profiles with the label trait")
            progress(0.2)
            scores, baseline = _cross_validated(frame, spec)
            evaluation: dict[str, Any] = {"evaluation": f"{FOLDS}-fold cross-validation"}
            tested = frame
            window_start = None
        else:
            assert behaviour is not None
            latest, spec = _behaviour_frame(
                connection, workspace_id, definition, behaviour, now, None
            )
            earlier, _ = _behaviour_frame(
                connection, workspace_id, definition, behaviour, now - behaviour.window, spec
            )
            _check(earlier, spec, "the earlier window (for the time split)")
            _check(latest, spec, "the latest window")
            progress(0.2)
            scores, baseline = _time_split(earlier, latest, spec)
            evaluation = _time_split_note(earlier, latest)
            tested = latest
            window_start = latest.at
        progress(0.7)
        # The model that scores learns from the latest labelled rows.
        booster = _fit(tested, spec)
        progress(0.9)
        model_metrics = ranking(tested.truth, scores)
        metrics = {
            **model_metrics,
            **evaluation,
            "positives": int(tested.truth.sum()),
            "rows": len(tested.truth),
            "base_rate": round(float(tested.truth.mean()), 4),
            "calibration": calibration(tested.truth, scores),
            "lift": lift(tested.truth, scores),
            "baseline": {"model": "logistic regression", **baseline},
            "beats_baseline": model_metrics["auc"] >= baseline["auc"],
            "params": {**_params(tested.truth), "n_estimators": booster.current_iteration()},
            "dropped_features": list(spec.dropped),
        }
        model = orjson.dumps(
            {"format": FORMAT, "booster": booster.model_to_string(), "spec": spec.to_json()}
        )
        progress(1.0)
        return Trained(
            model=model,
            metrics=metrics,
            features=_importance(booster, spec, tested.values),
            window_start=window_start,
            window_end=now,
            intended_use=_intended_use(definition, trait, behaviour),
            limits=_limits(trait, behaviour),
        )

    def score(
        self,
        connection: Connection,
        workspace_id: str,
        definition: ClassificationDefinition,
        model: bytes,
        now: datetime,
    ) -> Iterator[Score]:
        booster, spec = _load(model)
        population = load_profiles(connection, workspace_id)
        if not len(population):
            return
        values = _predict(booster, matrix(connection, workspace_id, spec, population, now))
        ranks = deciles(values)
        for profile_id, value, decile in zip(
            population.ids, values.tolist(), ranks.tolist(), strict=True
        ):
            yield Score(profile_id, value, decile)

    def explain(
        self,
        connection: Connection,
        workspace_id: str,
        definition: ClassificationDefinition,
        model: bytes,
        profile_id: str,
        now: datetime,
    ) -> list[Reason]:
        spec, explainer = _explaining(model)
        population = load_profiles(connection, workspace_id, profile_id=profile_id)
        if not len(population):
            raise NotFound(f"no profile {profile_id}")
        row = matrix(connection, workspace_id, spec, population, now)
        effects = _shap(explainer, row)[0]
        top = np.argsort(-np.abs(effects), kind="stable")[:REASONS]
        return [
            Reason(
                text=describe(spec.features[i], float(row[0, i])),
                feature=spec.features[i].name,
                effect=round(float(effects[i]), 4),
            )
            for i in top
            if effects[i] != 0
        ]


def _trait_frame(
    connection: Connection,
    workspace_id: str,
    definition: ClassificationDefinition,
    label: TraitLabel,
    now: datetime,
) -> tuple[_Frame, FeatureSpec]:
    """Profiles that hold the label trait (a profile without it is unlabelled, not negative)."""
    everyone = load_profiles(connection, workspace_id)
    positive = _text(label.positive)
    keep: list[int] = []
    truth: list[int] = []
    for i, traits in enumerate(everyone.traits):
        value = traits.get(label.name)
        if value is None or _text(value) == "":
            continue
        keep.append(i)
        truth.append(int(_text(value) == positive))
    population = everyone.subset(keep)
    spec = infer_spec(
        connection, workspace_id, definition.features, population, now, skip=[label.name]
    )
    values = matrix(connection, workspace_id, spec, population, now)
    return _Frame(population, values, np.array(truth, dtype=np.int_), now), spec


def _behaviour_frame(
    connection: Connection,
    workspace_id: str,
    definition: ClassificationDefinition,
    label: EventLabel,
    end: datetime,
    spec: FeatureSpec | None,
) -> tuple[_Frame, FeatureSpec]:
    """Features as of `end - window` for the profiles seen by then, labelled by what they
    did in (end - window, end]; the spec is inferred here unless given."""
    at = end - label.window
    population = load_profiles(connection, workspace_id, seen_before=at)
    if spec is None:
        spec = infer_spec(connection, workspace_id, definition.features, population, at)
    values = matrix(connection, workspace_id, spec, population, at)
    did = set(
        connection.execute(
            select(events.c.profile_id)
            .where(
                events.c.workspace_id == workspace_id,
                events.c.event == label.event,
                events.c.timestamp > at,
                events.c.timestamp <= end,
                events.c.profile_id.is_not(None),
            )
            .distinct()
        ).scalars()
    )
    happened = np.array([profile_id in did for profile_id in population.ids], dtype=np.int_)
    truth = 1 - happened if definition.label.no_event is not None else happened
    return _Frame(population, values, truth, at, (at, end)), spec


def _check(frame: _Frame, spec: FeatureSpec, what: str) -> None:
    if not spec.features:
        raise InvalidInput(
            "no features to learn from: name traits or events that profiles hold",
            field="features",
        )
    positives = int(frame.truth.sum())
    negatives = len(frame.truth) - positives
    if positives < MIN_CLASS or negatives < MIN_CLASS:
        raise InvalidInput(
            f"too little data to train: {what} gave {positives} positive and {negatives} "
            f"negative examples; at least {MIN_CLASS} of each are needed",
            field="label",
        )


def _cross_validated(frame: _Frame, spec: FeatureSpec) -> tuple[NDArray[np.float64], Any]:
    """Out-of-fold scores of the model, and the baseline's metrics on the same folds."""
    scores = np.empty(len(frame.truth))
    baseline = np.empty(len(frame.truth))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(frame.values, frame.truth):
        part = _Frame(frame.population, frame.values[train], frame.truth[train], frame.at)
        scores[test] = _predict(_fit(part, spec), frame.values[test])
        fitted = _baseline(spec).fit(frame.values[train], frame.truth[train])
        baseline[test] = fitted.predict_proba(frame.values[test])[:, 1]
    return scores, ranking(frame.truth, baseline)


def _time_split(
    earlier: _Frame, latest: _Frame, spec: FeatureSpec
) -> tuple[NDArray[np.float64], Any]:
    scores = _predict(_fit(earlier, spec), latest.values)
    fitted = _baseline(spec).fit(earlier.values, earlier.truth)
    baseline = fitted.predict_proba(latest.values)[:, 1]
    return scores, ranking(latest.truth, baseline)


def _time_split_note(earlier: _Frame, latest: _Frame) -> dict[str, Any]:
    assert earlier.labels is not None
    assert latest.labels is not None

    def day(at: datetime) -> str:
        return at.date().isoformat()

    return {
        "evaluation": (
            f"time split: trained on features as of {day(earlier.at)} labelled to "
            f"{day(earlier.labels[1])}, tested on features as of {day(latest.at)} labelled "
            f"to {day(latest.labels[1])}"
        ),
        "time_split": {
            "train_features_at": iso_instant(earlier.at),
            "train_labels": [iso_instant(t) for t in earlier.labels],
            "train_rows": len(earlier.truth),
            "train_positives": int(earlier.truth.sum()),
            "test_features_at": iso_instant(latest.at),
            "test_labels": [iso_instant(t) for t in latest.labels],
        },
    }


def _params(truth: Labels) -> dict[str, Any]:
    """Defaults that hold from hundreds of rows to hundreds of thousands: smaller trees and
    larger leaves-to-be-split on few rows, where deep trees learn the noise."""
    rows = len(truth)
    positives = int(truth.sum())
    return {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 7 if rows < 2000 else 15 if rows < 10000 else 31,
        "min_child_samples": max(20, min(100, rows // 200)),
        "min_data_per_group": max(10, min(100, rows // 20)),
        "reg_lambda": 1.0,
        # The rarer positives weigh more, by the square root of the imbalance: full
        # reweighting would push every probability up and break calibration.
        "scale_pos_weight": round(math.sqrt((rows - positives) / positives), 3)
        if positives * 5 < rows
        else 1.0,
        "random_state": SEED,
        "deterministic": True,
        "force_row_wise": True,
        "n_jobs": 2,
        "verbose": -1,
    }


def _fit(frame: _Frame, spec: FeatureSpec) -> lightgbm.Booster:
    """Boosted for as many rounds as helped on a fifth of the rows held out, then again on
    all of them."""
    params = _params(frame.truth)
    names = [f"f{i}" for i in range(len(spec.features))]
    categorical: list[int] | Literal["auto"] = spec.categorical or "auto"
    learn, check = train_test_split(
        np.arange(len(frame.truth)), test_size=0.2, stratify=frame.truth, random_state=SEED
    )
    trial = lightgbm.LGBMClassifier(n_estimators=MAX_ROUNDS, **params)
    trial.fit(
        frame.values[learn],
        frame.truth[learn],
        eval_X=frame.values[check],
        eval_y=frame.truth[check],
        feature_name=names,
        categorical_feature=categorical,
        callbacks=[lightgbm.early_stopping(PATIENCE, verbose=False)],
    )
    rounds = max(MIN_ROUNDS, int(trial.best_iteration_ or MAX_ROUNDS))
    model = lightgbm.LGBMClassifier(n_estimators=rounds, **params)
    model.fit(frame.values, frame.truth, feature_name=names, categorical_feature=categorical)
    booster: lightgbm.Booster = model.booster_
    return booster


def _predict(booster: lightgbm.Booster, values: Matrix) -> NDArray[np.float64]:
    return np.asarray(booster.predict(values, num_threads=2), dtype=np.float64)


def _baseline(spec: FeatureSpec) -> Pipeline:
    """Logistic regression: imputed, standardized numbers and one-hot categories."""
    categorical = spec.categorical
    numeric = [i for i in range(len(spec.features)) if i not in set(categorical)]
    parts: list[tuple[str, Any, list[int]]] = []
    if numeric:
        numbers = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
        )
        parts.append(("numeric", numbers, numeric))
    if categorical:
        levels = make_pipeline(
            SimpleImputer(strategy="constant", fill_value=-1.0, keep_empty_features=True),
            OneHotEncoder(handle_unknown="ignore"),
        )
        parts.append(("categorical", levels, categorical))
    return make_pipeline(
        ColumnTransformer(parts), LogisticRegression(max_iter=2000, random_state=SEED)
    )


@lru_cache(maxsize=8)
def _explaining(model: bytes) -> tuple[FeatureSpec, shap.TreeExplainer]:
    """A stored model's spec and explainer, made once per model: making the explainer
    (the trees dumped to JSON and read back) takes some 100 ms, explaining a row 2 ms."""
    booster, spec = _load(model)
    return spec, shap.TreeExplainer(booster)


def _shap(explainer: shap.TreeExplainer, values: Matrix) -> NDArray[np.float64]:
    """SHAP values in log-odds, one per feature (positive pushes the score up)."""
    with warnings.catch_warnings():
        # shap warns that binary LightGBM output changed shape; both shapes are handled.
        warnings.simplefilter("ignore", UserWarning)
        found = explainer.shap_values(values)
    if isinstance(found, list):
        found = found[-1]
    return np.asarray(found, dtype=np.float64)


def _importance(booster: lightgbm.Booster, spec: FeatureSpec, values: Matrix) -> list[Any]:
    """Every feature with its share of the mean |SHAP value| on a sample, largest first."""
    rng = np.random.default_rng(SEED)
    sample = values
    if len(values) > IMPORTANCE_SAMPLE:
        sample = values[rng.choice(len(values), IMPORTANCE_SAMPLE, replace=False)]
    mean = np.abs(_shap(shap.TreeExplainer(booster), sample)).mean(axis=0)
    total = float(mean.sum())
    shares = mean / total if total else mean
    described = [
        {**feature.to_json(), "importance": round(float(share), 4)}
        for feature, share in zip(spec.features, shares, strict=True)
    ]
    return sorted(described, key=lambda f: -f["importance"])


def _load(model: bytes) -> tuple[lightgbm.Booster, FeatureSpec]:
    document = orjson.loads(model)
    if document.get("format") != FORMAT:
        raise InvalidInput("the stored model is not a classification model", field="model")
    booster = lightgbm.Booster(model_str=document["booster"])
    return booster, FeatureSpec.from_json(document["spec"])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def _intended_use(
    definition: ClassificationDefinition, trait: TraitLabel | None, behaviour: EventLabel | None
) -> str:
    if trait is not None:
        what = f"profiles whose {trait.name} is {trait.positive!r}"
    else:
        assert behaviour is not None
        verb = "do not do" if definition.label.no_event is not None else "do"
        what = f"people who {verb} {behaviour.event} within {behaviour.within}"
    return (
        f"Ranks profiles by how likely they are to be {what}, to target journeys, offers and "
        "outreach at the top deciles. Not for decisions with legal or similarly significant "
        "effects on a person."
    )


def _limits(trait: TraitLabel | None, behaviour: EventLabel | None) -> list[str]:
    limits = [
        "Traits are read as they are now, not as they were when the features were taken: a "
        "trait set because of the outcome (a cancellation date, a status) leaks it.",
        "Probabilities are calibrated on the rows it was evaluated on; a workspace whose "
        "customers change (new markets, new pricing) needs retraining.",
    ]
    if trait is not None:
        limits.append(
            "Only profiles that hold the label trait are learnt from; profiles without it "
            "are scored as if they were like them."
        )
    if behaviour is not None:
        limits.append(
            f"People first seen less than {behaviour.within} ago are not learnt from: their "
            "window has not closed yet."
        )
    return limits
