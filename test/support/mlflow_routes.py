"""Print every (method, rule) that `mlflow server` serves, as a JSON array on stdout.

Run it with the python of the pinned MLflow's venv (scripts/mlflow.mjs installs it):

    $HOME/.cache/mlflow-uma-gate/mlflow-<version>/venv/bin/python test/support/mlflow_routes.py

Output: a sorted JSON array of {"method": "GET", "rule": "/api/2.0/mlflow/experiments/get", "source": "flask"}
objects, one per (method, rule, source). It feeds the coverage guard: the set of (method, rule) pairs printed here
must equal the set in src/core/route-table.ts, so a route MLflow adds in a new release can never reach the
server unguarded, and a guard can never be written for a route MLflow does not have.

What it reads, and why that is what `mlflow server` serves:
- With default options `mlflow server` runs uvicorn on `mlflow.server.fastapi_app:app` (gunicorn/waitress only
  with --gunicorn-opts/--waitress-opts). That FastAPI app is built when its module is imported
  (`create_fastapi_app()`), so importing it is enough: no server, no database. Its lifespan hook adds no routes.
- "fastapi" entries: the app's own routes, including the included routers (otel /v1/traces, jobs, gateway,
  assistant, native artifact streaming, MCP-server and skill registries, server-info/health), with rules in
  Starlette syntax (`{name}`, `{name:path}`). FastAPI's docs/openapi routes would be listed if they were
  served; MLflow 3.17+ disables them (docs_url=redoc_url=openapi_url=None).
- "flask" entries: the url_map of the Flask app that the FastAPI app mounts at "/" through its WSGI bridge
  (the mount itself is not a route), rules in werkzeug syntax (`<name>`, `<path:name>`), including Flask's
  automatic static route `/build/<path:filename>`. HEAD and OPTIONS are dropped: werkzeug and Starlette add them
  implicitly, and the gate authorizes HEAD as GET.
- A (method, rule) pair can appear twice, once per source (`GET /health`, `GET .../server-info`): the FastAPI
  route answers first and the Flask one is what gunicorn/waitress would serve. Compare the *set* of
  (method, rule) pairs with the route table. Werkzeug can register one rule twice (two view functions for
  `GET /ajax-api/2.0/mlflow/metrics/get-history-bulk-interval`); that is printed once.

Server options and the route set:
- Default options (including the default --serve-artifacts) register exactly what this prints. --serve-artifacts,
  --artifacts-only, --artifacts-presigned-only and --enable-workspaces do not add or remove routes; the handlers
  check them per request.
- --static-prefix P (the env var `_MLFLOW_STATIC_PREFIX` that `mlflow server` passes to its workers) prepends P to
  every Flask rule and every FastAPI router, except Flask's `/build/<path:filename>` and the FastAPI artifact
  streaming routes (`/api|ajax-api/2.0/mlflow-artifacts/artifacts/{artifact_path:path}`), which MLflow registers
  without the prefix. The route table assumes no prefix.
- /metrics exists only with --expose-prometheus (env `prometheus_multiproc_dir`; needs prometheus-flask-exporter,
  an optional extra): prometheus_flask_exporter then adds `GET /metrics` to the Flask app, without the prefix.
- --app-name basic-auth (not the default) adds MLflow's own auth routes.
This script drops the two environment variables above before importing MLflow, so it always prints the
default-options route set whatever the caller's environment.
"""

import inspect
import json
import os
import sys

# The environment variables through which `mlflow server` options change the route set (see above). Their names
# are checked against MLflow's own constants after the import, so a rename fails here instead of going unseen.
_STATIC_PREFIX_ENV = "_MLFLOW_STATIC_PREFIX"
_PROMETHEUS_ENV = "prometheus_multiproc_dir"
# What `mlflow server` runs under uvicorn, its default server (mlflow.server._run_server).
_UVICORN_APP = "mlflow.server.fastapi_app:app"
_IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def _fail(message):
    sys.stderr.write(f"mlflow_routes.py: {message}\n")
    sys.exit(2)


def _import_apps():
    for name in (_STATIC_PREFIX_ENV, _PROMETHEUS_ENV):
        os.environ.pop(name, None)
    # Importing MLflow must not phone home from a test run; telemetry registers no route.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

    import mlflow.server
    from mlflow.server.constants import PROMETHEUS_EXPORTER_ENV_VAR
    from mlflow.server.handlers import STATIC_PREFIX_ENV_VAR

    if (STATIC_PREFIX_ENV_VAR, PROMETHEUS_EXPORTER_ENV_VAR) != (_STATIC_PREFIX_ENV, _PROMETHEUS_ENV):
        _fail(
            "MLflow renamed the environment variables that change its routes "
            f"({STATIC_PREFIX_ENV_VAR}, {PROMETHEUS_EXPORTER_ENV_VAR}); update this script"
        )
    if _UVICORN_APP not in inspect.getsource(mlflow.server._run_server):
        _fail(f"`mlflow server` no longer runs {_UVICORN_APP} under uvicorn; find what it runs and update this script")

    from mlflow.server.fastapi_app import app

    return app


def _route_contexts(fastapi_app):
    """(route, path, methods) of each top-level route, with included routers flattened to their routes."""
    try:
        # FastAPI >= 0.16x keeps an included router as one lazy entry; this yields its effective routes.
        from fastapi.routing import iter_route_contexts
    except ImportError:
        iter_route_contexts = None
    if iter_route_contexts is None:
        return [(r, getattr(r, "path", None), getattr(r, "methods", None)) for r in fastapi_app.router.routes]
    low_priority = getattr(fastapi_app.router, "_iter_low_priority_routes", None)
    if low_priority is not None and list(low_priority()):
        _fail("the FastAPI app has low-priority routes, which this script does not read yet")
    return [(rc.original_route, rc.path, rc.methods) for rc in iter_route_contexts(fastapi_app.router.routes)]


def _collect(fastapi_app):
    from flask import Flask
    from starlette.routing import Mount, Route

    entries = set()
    flask_apps = []
    for route, path, methods in _route_contexts(fastapi_app):
        if isinstance(route, Mount):
            mounted = getattr(route.app, "app", None)
            if route.path == "" and isinstance(mounted, Flask):
                flask_apps.append(mounted)
                continue
            _fail(f"unexpected mount at {route.path!r} ({route.app!r}); list its routes in this script")
        if not isinstance(route, Route) or not path or not methods:
            _fail(f"unexpected route {route!r} (path {path!r}, methods {methods!r}); list it in this script")
        entries.update((m, path, "fastapi") for m in methods if m not in _IMPLICIT_METHODS)
    if len(flask_apps) != 1:
        _fail(f"expected the FastAPI app to mount one Flask app at '/', found {len(flask_apps)}")
    for rule in flask_apps[0].url_map.iter_rules():
        entries.update((m, rule.rule, "flask") for m in rule.methods if m not in _IMPLICIT_METHODS)
    return entries


def main():
    entries = _collect(_import_apps())
    rows = [
        {"method": method, "rule": rule, "source": source}
        for method, rule, source in sorted(entries, key=lambda e: (e[1], e[0], e[2]))
    ]
    sys.stdout.write(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
