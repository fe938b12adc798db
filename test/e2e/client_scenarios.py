"""What a data scientist does with the real mlflow client, one scenario per call, against MLFLOW_TRACKING_URI
(the gate) with MLFLOW_TRACKING_TOKEN. The e2e suite (test/e2e/mlflow-client.test.ts) runs:

    python client_scenarios.py <scenario> '<json arguments>'

and reads one JSON object from stdout describing what the client observed. A refused call is reported with the
error code and message the client surfaced, exactly as a user would see them.
"""

import hashlib
import json
import math
import os
import sys
import tempfile
import time

# MLflow's telemetry thread sets and removes an environment variable while the client's requests iterate over the
# environment (requests' proxy lookup): a KeyError in a long run, measured with MLflow 3.17.2. Its upload has no
# network to reach here anyway.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

import requests
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException, RestException

ARTIFACT_BYTES = 50 * 1024 * 1024
BATCH_METRICS = 1000


def attempt(call):
    """Runs one client call and reports whether it worked, or what error the user saw."""
    try:
        call()
        return {"ok": True}
    except MlflowException as error:
        return {"ok": False, "error_code": error.error_code, "message": error.message}


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create(args):
    """An editor's working session: experiment, run, params, metrics, a batch, a 50 MB artifact, a model."""
    client = MlflowClient()
    experiment_id = client.create_experiment(args["experiment"])
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "alpha", "0.5")
    client.log_metric(run_id, "loss", 0.25)
    now = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric("batch", float(step), now, step) for step in range(BATCH_METRICS)])
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "blob.bin")
        with open(path, "wb") as stream:
            stream.write(os.urandom(ARTIFACT_BYTES))
        uploaded_sha256 = sha256_of(path)
        client.log_artifact(run_id, path, artifact_path="data")
    client.set_terminated(run_id)
    client.create_registered_model(args["model"])
    source = f"{client.get_run(run_id).info.artifact_uri}/data"
    version = client.create_model_version(args["model"], source=source, run_id=run_id)
    return {"experiment_id": experiment_id, "run_id": run_id, "version": version.version, "sha256": uploaded_sha256}


def read(args):
    """Everything a viewer should be able to see of what `create` made."""
    client = MlflowClient()
    run = client.get_run(args["run_id"])
    history = client.get_metric_history(args["run_id"], "batch")
    with tempfile.TemporaryDirectory() as directory:
        downloaded = client.download_artifacts(args["run_id"], "data/blob.bin", directory)
        downloaded_sha256 = sha256_of(downloaded)
    model = client.get_registered_model(args["model"])
    version = client.get_model_version(args["model"], args["version"])
    return {
        "experiment": client.get_experiment(args["experiment_id"]).name,
        "experiment_stage": client.get_experiment(args["experiment_id"]).lifecycle_stage,
        "run_stage": run.info.lifecycle_stage,
        "params": run.data.params,
        "metrics": run.data.metrics,
        "history_steps": sorted(metric.step for metric in history),
        "history_values_ok": all(metric.value == float(metric.step) for metric in history),
        "sha256": downloaded_sha256,
        "artifacts": [entry.path for entry in client.list_artifacts(args["run_id"], "data")],
        "model": model.name,
        "version_source": version.source,
    }


def exists(args):
    """What is still there after delete attempts, as seen by an admin."""
    client = MlflowClient()
    model = attempt(lambda: client.get_registered_model(args["model"]))
    return {
        "experiment_stage": client.get_experiment(args["experiment_id"]).lifecycle_stage,
        "run_stage": client.get_run(args["run_id"]).info.lifecycle_stage,
        "model": model["ok"],
        "artifacts": [entry.path for entry in client.list_artifacts(args["run_id"], "data")],
    }


def delete_artifact(run_id, artifact):
    """MLflow's client has no call for this; the UI and tools use the artifact proxy's DELETE."""
    client = MlflowClient()
    artifact_uri = client.get_run(run_id).info.artifact_uri
    path = artifact_uri.split("mlflow-artifacts:/", 1)[1]
    response = requests.delete(
        f"{os.environ['MLFLOW_TRACKING_URI']}/api/2.0/mlflow-artifacts/artifacts/{path}/{artifact}",
        headers={"Authorization": f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"},
        # The CA the mlflow client trusts for the gate (a development certificate's, for HTTPS gates).
        verify=os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH", True),
        timeout=60,
    )
    if response.status_code != 200:
        raise RestException(response.json())


def delete(args):
    """Tries the four deletes; artifacts and runs first, so the experiment delete is not the only one that counts."""
    client = MlflowClient()
    return {
        "artifact": attempt(lambda: delete_artifact(args["run_id"], "data/blob.bin")),
        "run": attempt(lambda: client.delete_run(args["run_id"])),
        "model": attempt(lambda: client.delete_registered_model(args["model"])),
        "experiment": attempt(lambda: client.delete_experiment(args["experiment_id"])),
    }


def create_experiment(args):
    client = MlflowClient()
    return attempt(lambda: client.create_experiment(args["experiment"]))


def search(_args):
    client = MlflowClient()
    return attempt(lambda: client.search_experiments())


def service_run(args):
    """A pipeline logging a run with a client-credentials token."""
    client = MlflowClient()
    experiment_id = client.create_experiment(args["experiment"])
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "accuracy", 0.9)
    client.set_terminated(run_id)
    run = client.get_run(run_id)
    return {"status": run.info.status, "metrics": run.data.metrics}


def long_run(args):
    """A training job: one metric every `interval` seconds for `seconds`, with whatever credentials the
    environment gives the client (here: only what `mlflow-uma-gate login` wrote to ~/.mlflow/credentials)."""
    client = MlflowClient()
    experiment_id = client.create_experiment(args["experiment"])
    run_id = client.create_run(experiment_id).info.run_id
    started = time.time()
    logged, failures = 0, []
    # Each metric at its own tick of the clock: on a loaded machine slow calls must not add up to fewer ticks.
    for tick in range(math.ceil(args["seconds"] / args["interval"])):
        time.sleep(max(0.0, started + tick * args["interval"] - time.time()))
        outcome = attempt(lambda: client.log_metric(run_id, "loss", 1.0 / (logged + 1), step=logged))
        if outcome["ok"]:
            logged += 1
        else:
            failures.append({"after_seconds": round(time.time() - started), **outcome})
    client.set_terminated(run_id)
    steps = [metric.step for metric in client.get_metric_history(run_id, "loss")]
    return {"logged": logged, "failures": failures, "steps": len(steps), "elapsed": round(time.time() - started)}


def attributed_run(args):
    """A run started the everyday way (mlflow.start_run), by a client whose environment claims another user,
    then an explicit attempt to rename the run's user."""
    import mlflow

    mlflow.set_experiment(args["experiment"])
    with mlflow.start_run() as active:
        mlflow.log_param("alpha", "0.5")
        run_id = active.info.run_id
    client = MlflowClient()
    run = client.get_run(run_id)
    experiment = client.get_experiment_by_name(args["experiment"])
    return {
        "user_id": run.info.user_id,
        "run_user_tag": run.data.tags.get("mlflow.user"),
        "experiment_user_tag": experiment.tags.get("mlflow.user"),
        "rename": attempt(lambda: client.set_tag(run_id, "mlflow.user", "mallory")),
        "same_name": attempt(lambda: client.set_tag(run_id, "mlflow.user", run.info.user_id)),
    }


SCENARIOS = {
    "create": create,
    "read": read,
    "exists": exists,
    "delete": delete,
    "create_experiment": create_experiment,
    "search": search,
    "service_run": service_run,
    "long_run": long_run,
    "attributed_run": attributed_run,
}

if __name__ == "__main__":
    print(json.dumps(SCENARIOS[sys.argv[1]](json.loads(sys.argv[2]))))
