"""Predictions: models trained on the workspace's own data (churn and propensity, lifetime
value, recommendations, sentiment), whose outputs are computed traits, template values and
journey decisions. docs/predictions.md describes them."""

from baton.predict.definitions import (
    PREFIX,
    AnyDefinition,
    ClassificationDefinition,
    ClvDefinition,
    RecommendationsDefinition,
    SentimentDefinition,
    dump_prediction,
    parse_prediction,
)
from baton.predict.new_events import analyze_due, reads_new_events
from baton.predict.scores import forget_all_scores, scores_lock
from baton.predict.store import (
    Prediction,
    Status,
    VersionStatus,
    activate,
    decide_version,
    delete_prediction,
    find_prediction,
    get_prediction,
    list_predictions,
    request_training,
    save_prediction,
)
from baton.predict.training import next_prediction_work, score_due, train_due
from baton.predict.views import prediction_json, profile_predictions

__all__ = [
    "PREFIX",
    "AnyDefinition",
    "ClassificationDefinition",
    "ClvDefinition",
    "Prediction",
    "RecommendationsDefinition",
    "SentimentDefinition",
    "Status",
    "VersionStatus",
    "activate",
    "analyze_due",
    "decide_version",
    "delete_prediction",
    "dump_prediction",
    "find_prediction",
    "forget_all_scores",
    "get_prediction",
    "list_predictions",
    "next_prediction_work",
    "parse_prediction",
    "prediction_json",
    "profile_predictions",
    "reads_new_events",
    "request_training",
    "save_prediction",
    "score_due",
    "scores_lock",
    "train_due",
]
