"""Ready journeys to switch on: the YAML templates in this folder.

A template holds one or more journeys with what they need (computed traits, segments,
message templates, policy pauses and subscription groups), tagged with its lifecycle
stage and industries, and parameters with documented defaults. `${name}` in any string
of a template is replaced by the parameter's value; a string that is only `${name}`
takes the value itself, so a number stays a number.

Installing applies every part by key, as `baton journeys|segments|templates apply` do
(an unchanged part stays as it is), and adds to the workspace policy the pauses and
subscription groups the workspace does not have yet (its own are never replaced).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import Connection

from baton.channels import MessageTemplate, parse_template, save_template
from baton.core.errors import InvalidInput, NotFound
from baton.journeys.definitions import JourneyDefinition, parse_journey
from baton.journeys.files import apply_journey
from baton.predict import AnyDefinition as AnyPrediction
from baton.predict import list_predictions, parse_prediction, save_prediction
from baton.segments import Definition, apply_definitions, parse_definitions
from baton.workspaces import Policy, load_policy, parse_policy, save_policy

T = TypeVar("T")
_FOLDER = Path(__file__).parent
_PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")
_KINDS = {bool: "true or false", int: "a whole number", float: "a number"}
_PARTS = (
    "predictions",
    "computed_traits",
    "segments",
    "message_templates",
    "journeys",
    "policy",
)


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    description: str

    def coerce(self, value: Any) -> Any:
        """A value given as text (`--set delay=2h`) takes the type of the default."""
        if not isinstance(value, str) or isinstance(self.default, str):
            return value
        try:
            if isinstance(self.default, bool):
                if value.lower() not in ("true", "false"):
                    raise ValueError
                return value.lower() == "true"
            if isinstance(self.default, int):
                return int(value)
            if isinstance(self.default, float):
                return float(value)
        except ValueError:
            field = f"parameters.{self.name}"
            wanted = _KINDS[type(self.default)]
            raise InvalidInput(f"{field}: {value!r} is not {wanted}", field=field) from None
        return value


@dataclass(frozen=True)
class Rendered:
    """A template with its parameters filled in, every part validated."""

    predictions: list[AnyPrediction]
    definitions: list[Definition]
    message_templates: list[MessageTemplate]
    journeys: list[JourneyDefinition]
    policy: Policy


@dataclass(frozen=True)
class JourneyTemplate:
    name: str
    title: str
    description: str
    stage: str
    industries: tuple[str, ...]
    parameters: dict[str, Parameter]
    parts: dict[str, Any]

    def serves(self, industry: str) -> bool:
        return industry in self.industries or "any" in self.industries

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "stage": self.stage,
            "industries": list(self.industries),
            "description": self.description,
            "journeys": [j["key"] for j in self.parts.get("journeys", [])],
        }

    def json(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "parameters": {
                p.name: {"default": p.default, "description": p.description}
                for p in self.parameters.values()
            },
            "parts": self.parts,
        }

    def values(self, given: dict[str, Any]) -> dict[str, Any]:
        """Every parameter's value: the given ones (checked), else the defaults."""
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            known = ", ".join(self.parameters) or "none"
            raise InvalidInput(
                f"parameters.{unknown[0]}: {self.name} has no such parameter (it has {known})",
                field=f"parameters.{unknown[0]}",
            )
        return {
            name: parameter.coerce(given[name]) if name in given else parameter.default
            for name, parameter in self.parameters.items()
        }

    def render(self, given: dict[str, Any]) -> Rendered:
        filled = _fill(self.parts, self.values(given))
        messages = [
            _named(f"message_templates.{index}", parse_template, item)
            for index, item in enumerate(filled.get("message_templates", []))
        ]
        journeys = [
            _named(f"journeys.{index}", parse_journey, item)
            for index, item in enumerate(filled.get("journeys", []))
        ]
        predictions = [
            _named(f"predictions.{index}", parse_prediction, item)
            for index, item in enumerate(filled.get("predictions", []))
        ]
        return Rendered(
            predictions,
            parse_definitions(filled),
            messages,
            journeys,
            _named("policy", parse_policy, filled.get("policy", {})),
        )


def _named(where: str, parse: Callable[[Any], T], item: Any) -> T:
    """`parse(item)`, its error named from the top of the template."""
    try:
        return parse(item)
    except InvalidInput as error:
        field = f"{where}.{error.field}" if error.field else where
        raise InvalidInput(f"{where}.{error.message}", field=field) from None


def _fill(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if not isinstance(value, str):
        return value
    whole = _PLACEHOLDER.fullmatch(value)
    if whole:
        return values[whole.group(1)]
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), value)


def _load(path: Path) -> JourneyTemplate:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    parameters = {
        name: Parameter(name, spec["default"], spec["description"])
        for name, spec in (data.get("parameters") or {}).items()
    }
    template = JourneyTemplate(
        name=path.stem,
        title=data["title"],
        description=data["description"].strip(),
        stage=data["stage"],
        industries=tuple(data["industries"]),
        parameters=parameters,
        parts={part: data[part] for part in _PARTS if part in data},
    )
    used = set(_PLACEHOLDER.findall(yaml.safe_dump(template.parts)))
    if used - set(parameters):
        raise ValueError(f"{path.name}: undeclared parameters {sorted(used - set(parameters))}")
    return template


@cache
def library() -> dict[str, JourneyTemplate]:
    """Every template of the library by name, in name order."""
    return {t.name: t for t in map(_load, sorted(_FOLDER.glob("*.yaml")))}


def find_journey_templates(
    stage: str | None = None, industry: str | None = None
) -> list[JourneyTemplate]:
    """The library's templates of a lifecycle stage and for an industry (each when given)."""
    return [
        t
        for t in library().values()
        if (stage is None or t.stage == stage) and (industry is None or t.serves(industry))
    ]


def get_journey_template(name: str) -> JourneyTemplate:
    found = library().get(name)
    if found is None:
        raise NotFound(f"no journey template named {name!r} (see baton templates list)")
    return found


@dataclass(frozen=True)
class Installed:
    kind: str  # prediction | computed trait | segment | message template | journey | policy
    key: str
    action: str  # created | updated | unchanged | published


def install(
    connection: Connection,
    workspace_id: str,
    template: JourneyTemplate,
    given: dict[str, Any],
    now: datetime,
    *,
    publish: bool,
) -> list[Installed]:
    """Apply every part of the template to the workspace; what each part became."""
    rendered = template.render(given)
    done = []
    for prediction in rendered.predictions:
        # One the workspace has already (its own churn model, say) is kept as it is.
        if prediction.key in {p.key for p in list_predictions(connection, workspace_id)}:
            done.append(Installed("prediction", prediction.key, "unchanged"))
        else:
            save_prediction(connection, workspace_id, prediction, now)
            done.append(Installed("prediction", prediction.key, "created"))
    done += [
        Installed(applied.kind.label, applied.key, applied.action)
        for applied in apply_definitions(connection, workspace_id, rendered.definitions, now)
    ]
    for message in rendered.message_templates:
        action, _ = save_template(connection, workspace_id, message, now)
        done.append(Installed("message template", message.key, action))
    done.extend(_merge_policy(connection, workspace_id, rendered.policy))
    for journey in rendered.journeys:
        applied = apply_journey(connection, workspace_id, journey, now, publish_it=publish)
        action = "published" if publish and applied.action != "unchanged" else applied.action
        done.append(Installed("journey", journey.key, action))
    return done


def _merge_policy(connection: Connection, workspace_id: str, wanted: Policy) -> list[Installed]:
    current = load_policy(connection, workspace_id)
    have = {pause.name for pause in current.pauses}
    pauses = [pause for pause in wanted.pauses if pause.name not in have]
    groups = {
        name: group
        for name, group in wanted.subscription_groups.items()
        if name not in current.subscription_groups
    }
    if not pauses and not groups:
        return []
    save_policy(
        connection,
        workspace_id,
        current.model_copy(
            update={
                "pauses": [*current.pauses, *pauses],
                "subscription_groups": {**current.subscription_groups, **groups},
            }
        ),
    )
    return [Installed("policy", f"pause {p.name}", "created") for p in pauses] + [
        Installed("policy", f"subscription group {name}", "created") for name in groups
    ]
