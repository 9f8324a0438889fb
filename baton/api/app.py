"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from baton import __version__
from baton.api import (
    account,
    activity,
    analytics,
    attention,
    audit,
    broadcasts,
    catalog,
    channels,
    consent,
    destinations,
    health,
    identity_secret,
    inbox,
    invitations,
    journey_templates,
    journeys,
    keys,
    messages,
    metrics,
    oidc,
    password_reset,
    placements,
    policy,
    predictions,
    preferences,
    privacy,
    profiles,
    providers,
    reviews,
    segments,
    sources,
    templates,
    tracking,
    unsubscribe,
    users,
    workspaces,
)
from baton.api.backpressure import Backpressure, IngestRates
from baton.api.console import DEFAULT_BUILD, install_console
from baton.api.errors import install_error_handlers
from baton.api.limits import BoundedBodies
from baton.api.log_fields import RequestLogFields
from baton.api.throttle import FailedAuthentications
from baton.api.urls import NulFreeUrls
from baton.runtime import Runtime
from baton.teams.sso import domain_rules


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()

    app = FastAPI(title="Baton", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.failed_authentications = FailedAuthentications(
        runtime.clock, runtime.settings.auth_failures_per_minute
    )
    if runtime.settings.single_sign_on():
        domain_rules(runtime.settings.oidc_roles)  # a wrong BATON_OIDC_ROLES stops the start
    app.state.failed_logins = FailedAuthentications(
        runtime.clock, runtime.settings.login_failures_per_account, "this account"
    )
    settings = runtime.settings
    app.state.ingest_rates = IngestRates(runtime.engine, runtime.clock, settings.ingest_per_second)
    # Inside CORS: browsers may read a refusal's Retry-After.
    app.add_middleware(
        Backpressure,
        engine=runtime.engine,
        clock=runtime.clock,
        max_backlog=settings.max_backlog,
        max_outbox=settings.max_outbox,
    )
    # Browsers post events from any site that embeds the snippet.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Content-Encoding"],
        expose_headers=["Retry-After"],
    )
    app.add_middleware(BoundedBodies)
    app.add_middleware(RequestLogFields)
    app.add_middleware(NulFreeUrls)  # the outermost: it runs first
    install_error_handlers(app)
    app.include_router(tracking.router)
    app.include_router(account.router)
    app.include_router(users.own_router)
    app.include_router(invitations.accept_router)
    app.include_router(password_reset.router)
    app.include_router(oidc.router)
    app.include_router(audit.router)
    app.include_router(profiles.router)
    app.include_router(destinations.router)
    app.include_router(segments.segments_router)
    app.include_router(segments.computed_traits_router)
    app.include_router(segments.vocabulary_router)
    app.include_router(journeys.router)
    app.include_router(broadcasts.router)
    app.include_router(messages.router)
    app.include_router(policy.router)
    app.include_router(templates.router)
    app.include_router(predictions.router)
    app.include_router(catalog.router)
    app.include_router(placements.router)
    app.include_router(placements.public_router)
    app.include_router(reviews.router)
    app.include_router(journey_templates.router)
    app.include_router(channels.router)
    app.include_router(unsubscribe.router)
    app.include_router(consent.router)
    app.include_router(privacy.router)
    app.include_router(preferences.router)
    app.include_router(analytics.router)
    app.include_router(activity.router)
    app.include_router(attention.router)
    app.include_router(inbox.router)
    app.include_router(identity_secret.router)
    app.include_router(keys.router)
    app.include_router(users.router)
    app.include_router(invitations.router)
    app.include_router(workspaces.router)
    app.include_router(providers.router)
    app.include_router(sources.router)
    app.include_router(sources.webhook_router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    install_console(app, Path(runtime.settings.console_dir or DEFAULT_BUILD))  # the last
    return app
