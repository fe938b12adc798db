/**
 * Every (method, route) that the pinned MLflow server serves, and the one permission that guards it.
 *
 * Rules are written exactly as the server registers them, so the coverage guard can compare them with
 * MLflow's own route list: Flask/werkzeug syntax (`<name>`, `<path:name>`, `<int:name>`) for Flask routes,
 * Starlette syntax (`{name}`, `{name:path}`) for FastAPI routes. HEAD is never listed: it authorizes as GET.
 */
import type { Guard } from './permissions';
import { PROJECT_CREATION, REFUSED } from './permissions';
import type { Method, RouteSpec } from './route-spec';

export type { Method, RouteSpec };

/** One route at one exact rule. */
function at(method: Method, rule: string, guard: Guard): RouteSpec[] {
  return [{ method, rule, guard }];
}

/** A REST endpoint that MLflow registers under both `/api/<version>/…` and its UI twin `/ajax-api/<version>/…`. */
function twins(method: Method, rule: string, guard: Guard): RouteSpec[] {
  return [
    { method, rule: `/api${rule}`, guard },
    { method, rule: `/ajax-api${rule}`, guard },
  ];
}

export const ROUTE_TABLE: readonly RouteSpec[] = ([] as RouteSpec[]).concat(
  // Experiments and experiment tags
  twins('POST', '/2.0/mlflow/experiments/create', 'experiments#write'),
  twins('GET', '/2.0/mlflow/experiments/get', 'experiments#read'),
  twins('GET', '/2.0/mlflow/experiments/get-by-name', 'experiments#read'),
  twins('GET', '/2.0/mlflow/experiments/search', 'experiments#read'),
  twins('POST', '/2.0/mlflow/experiments/search', 'experiments#read'),
  twins('POST', '/2.0/mlflow/experiments/update', 'experiments#write'),
  twins('POST', '/2.0/mlflow/experiments/delete', 'experiments#delete'),
  twins('POST', '/2.0/mlflow/experiments/restore', 'experiments#write'),
  twins('POST', '/2.0/mlflow/experiments/set-experiment-tag', 'experiments#write'),
  twins('POST', '/2.0/mlflow/experiments/delete-experiment-tag', 'experiments#delete'),
  // Demo data: generate creates the demo experiment with runs, traces, prompts...; delete hard-deletes all of it.
  at('POST', '/ajax-api/3.0/mlflow/demo/generate', 'experiments#write'),
  at('POST', '/ajax-api/3.0/mlflow/demo/delete', 'experiments#delete'),

  // Runs, params, metrics, run tags, inputs/outputs
  twins('POST', '/2.0/mlflow/runs/create', 'runs#write'),
  twins('GET', '/2.0/mlflow/runs/get', 'runs#read'),
  twins('POST', '/2.0/mlflow/runs/search', 'runs#read'),
  twins('POST', '/2.0/mlflow/runs/update', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/delete', 'runs#delete'),
  twins('POST', '/2.0/mlflow/runs/restore', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/log-metric', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/log-parameter', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/log-batch', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/log-model', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/log-inputs', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/outputs', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/set-tag', 'runs#write'),
  twins('POST', '/2.0/mlflow/runs/delete-tag', 'runs#delete'),
  twins('GET', '/2.0/mlflow/metrics/get-history', 'runs#read'),
  twins('GET', '/2.0/mlflow/metrics/get-history-bulk-interval', 'runs#read'),
  at('GET', '/ajax-api/2.0/mlflow/metrics/get-history-bulk', 'runs#read'),
  // Only logs a run with the prompt-lab inputs and outputs the UI sends; it calls no model.
  at('POST', '/ajax-api/2.0/mlflow/runs/create-promptlab-run', 'runs#write'),
  // Every GraphQL operation only reads: the schema's "mutations" are mlflowSearchRuns, mlflowSearchDatasets and an
  // echoing testMutation. The queries expose runs, their experiments, metric history, artifact listings and model
  // versions; all sit behind read, and the realm grants read per role, not per resource. GET runs the same operations.
  at('GET', '/graphql', 'runs#read'),
  at('POST', '/graphql', 'runs#read'),

  // Logged models
  twins('POST', '/2.0/mlflow/logged-models', 'logged-models#write'),
  twins('POST', '/2.0/mlflow/logged-models/search', 'logged-models#read'),
  twins('GET', '/2.0/mlflow/logged-models/<model_id>', 'logged-models#read'),
  // PATCH finalizes the model (sets its status).
  twins('PATCH', '/2.0/mlflow/logged-models/<model_id>', 'logged-models#write'),
  twins('DELETE', '/2.0/mlflow/logged-models/<model_id>', 'logged-models#delete'),
  twins('POST', '/2.0/mlflow/logged-models/<model_id>/params', 'logged-models#write'),
  twins('PATCH', '/2.0/mlflow/logged-models/<model_id>/tags', 'logged-models#write'),
  twins('DELETE', '/2.0/mlflow/logged-models/<model_id>/tags/<tag_key>', 'logged-models#delete'),
  // A logged model's own artifacts belong to the logged model, as model-version artifacts belong to models.
  twins('GET', '/2.0/mlflow/logged-models/<model_id>/artifacts/directories', 'logged-models#read'),
  at('GET', '/ajax-api/2.0/mlflow/logged-models/<model_id>/artifacts/files', 'logged-models#read'),

  // Registered models, model versions, aliases, registry tags (prompts are stored through these same APIs)
  twins('POST', '/2.0/mlflow/registered-models/create', 'models#write'),
  twins('GET', '/2.0/mlflow/registered-models/get', 'models#read'),
  twins('GET', '/2.0/mlflow/registered-models/search', 'models#read'),
  twins('POST', '/2.0/mlflow/registered-models/rename', 'models#write'),
  twins('PATCH', '/2.0/mlflow/registered-models/update', 'models#write'),
  twins('DELETE', '/2.0/mlflow/registered-models/delete', 'models#delete'),
  twins('GET', '/2.0/mlflow/registered-models/get-latest-versions', 'models#read'),
  twins('POST', '/2.0/mlflow/registered-models/get-latest-versions', 'models#read'),
  twins('POST', '/2.0/mlflow/registered-models/set-tag', 'models#write'),
  twins('DELETE', '/2.0/mlflow/registered-models/delete-tag', 'models#delete'),
  twins('POST', '/2.0/mlflow/registered-models/alias', 'models#write'),
  twins('GET', '/2.0/mlflow/registered-models/alias', 'models#read'),
  twins('DELETE', '/2.0/mlflow/registered-models/alias', 'models#delete'),
  twins('POST', '/2.0/mlflow/model-versions/create', 'models#write'),
  twins('GET', '/2.0/mlflow/model-versions/get', 'models#read'),
  twins('GET', '/2.0/mlflow/model-versions/search', 'models#read'),
  twins('PATCH', '/2.0/mlflow/model-versions/update', 'models#write'),
  // Archiving the other versions of the stage is a status change, not a removal.
  twins('POST', '/2.0/mlflow/model-versions/transition-stage', 'models#write'),
  twins('DELETE', '/2.0/mlflow/model-versions/delete', 'models#delete'),
  twins('GET', '/2.0/mlflow/model-versions/get-download-uri', 'models#read'),
  twins('POST', '/2.0/mlflow/model-versions/set-tag', 'models#write'),
  twins('DELETE', '/2.0/mlflow/model-versions/delete-tag', 'models#delete'),
  at('GET', '/model-versions/get-artifact', 'models#read'),

  // Artifacts: the proxied artifact store, run artifacts and presigned URLs
  twins('GET', '/2.0/mlflow-artifacts/artifacts', 'artifacts#read'),
  twins('GET', '/2.0/mlflow-artifacts/artifacts/<path:artifact_path>', 'artifacts#read'),
  twins('PUT', '/2.0/mlflow-artifacts/artifacts/<path:artifact_path>', 'artifacts#write'),
  twins('DELETE', '/2.0/mlflow-artifacts/artifacts/<path:artifact_path>', 'artifacts#delete'),
  // FastAPI's streaming twins of the Flask rules above; they answer first and must keep the same guards.
  twins('GET', '/2.0/mlflow-artifacts/artifacts/{artifact_path:path}', 'artifacts#read'),
  twins('PUT', '/2.0/mlflow-artifacts/artifacts/{artifact_path:path}', 'artifacts#write'),
  twins('POST', '/2.0/mlflow-artifacts/mpu/create/<path:artifact_path>', 'artifacts#write'),
  twins('POST', '/2.0/mlflow-artifacts/mpu/complete/<path:artifact_path>', 'artifacts#write'),
  // Aborting discards the parts already uploaded.
  twins('POST', '/2.0/mlflow-artifacts/mpu/abort/<path:artifact_path>', 'artifacts#delete'),
  twins('GET', '/2.0/mlflow-artifacts/presigned/<path:artifact_path>', 'artifacts#read'),
  twins('GET', '/2.0/mlflow/artifacts/list', 'artifacts#read'),
  // A POST that only mints a download URL: it grants reading, nothing more.
  twins('POST', '/2.0/mlflow/artifacts/presigned-download-url', 'artifacts#read'),
  twins('POST', '/2.0/mlflow/artifacts/presigned-upload-url', 'artifacts#write'),
  at('GET', '/get-artifact', 'artifacts#read'),
  at('POST', '/ajax-api/2.0/mlflow/upload-artifact', 'artifacts#write'),

  // Traces, spans (OTLP), trace tags and assessments
  at('POST', '/v1/traces', 'traces#write'),
  twins('POST', '/3.0/mlflow/traces', 'traces#write'),
  twins('GET', '/3.0/mlflow/traces/<trace_id>', 'traces#read'),
  twins('GET', '/3.0/mlflow/traces/get', 'traces#read'),
  twins('GET', '/3.0/mlflow/traces/batchGet', 'traces#read'),
  twins('POST', '/3.0/mlflow/traces/batchGetInfos', 'traces#read'),
  twins('POST', '/3.0/mlflow/traces/search', 'traces#read'),
  twins('POST', '/3.0/mlflow/traces/calculate-filter-correlation', 'traces#read'),
  twins('POST', '/3.0/mlflow/traces/metrics', 'traces#read'),
  twins('POST', '/3.0/mlflow/traces/delete-traces', 'traces#delete'),
  twins('PATCH', '/3.0/mlflow/traces/<trace_id>/tags', 'traces#write'),
  twins('DELETE', '/3.0/mlflow/traces/<trace_id>/tags', 'traces#delete'),
  twins('POST', '/3.0/mlflow/traces/<trace_id>/assessments', 'traces#write'),
  twins('GET', '/3.0/mlflow/traces/<trace_id>/assessments/<assessment_id>', 'traces#read'),
  twins('PATCH', '/3.0/mlflow/traces/<trace_id>/assessments/<assessment_id>', 'traces#write'),
  twins('DELETE', '/3.0/mlflow/traces/<trace_id>/assessments/<assessment_id>', 'traces#delete'),
  // The deprecated V2 trace API, still routed.
  twins('GET', '/2.0/mlflow/traces', 'traces#read'),
  twins('POST', '/2.0/mlflow/traces', 'traces#write'),
  twins('PATCH', '/2.0/mlflow/traces/<request_id>', 'traces#write'),
  twins('GET', '/2.0/mlflow/traces/<request_id>/info', 'traces#read'),
  twins('PATCH', '/2.0/mlflow/traces/<request_id>/tags', 'traces#write'),
  twins('DELETE', '/2.0/mlflow/traces/<request_id>/tags', 'traces#delete'),
  twins('POST', '/2.0/mlflow/traces/delete-traces', 'traces#delete'),
  // Linking writes to the trace (its prompt / run references), not to the prompt or the run.
  twins('POST', '/2.0/mlflow/traces/link-prompts', 'traces#write'),
  twins('POST', '/2.0/mlflow/traces/link-to-run', 'traces#write'),
  // Declared in MLflow's protos but answered "not implemented" by this server.
  twins('GET', '/2.0/mlflow/unified-traces', 'traces#read'),
  twins('GET', '/2.0/mlflow/get-online-trace-details', 'traces#read'),
  at('GET', '/ajax-api/2.0/mlflow/get-trace-artifact', 'traces#read'),
  at('GET', '/ajax-api/3.0/mlflow/get-trace-artifact', 'traces#read'),
  // Issues are findings about an experiment's traces (MLflow authorizes them on the experiment); there is no
  // issue resource. PATCH can also drop metadata keys, but it is an update of the issue: write.
  twins('POST', '/3.0/mlflow/issues', 'traces#write'),
  twins('GET', '/3.0/mlflow/issues/<issue_id>', 'traces#read'),
  twins('PATCH', '/3.0/mlflow/issues/<issue_id>', 'traces#write'),
  twins('POST', '/3.0/mlflow/issues/search', 'traces#read'),
  // Review queues (traces queued for human labeling) and label schemas (the questions reviewers answer as
  // assessments) exist only to label traces.
  twins('POST', '/3.0/mlflow/review-queues/create', 'traces#write'),
  twins('GET', '/3.0/mlflow/review-queues/get', 'traces#read'),
  twins('GET', '/3.0/mlflow/review-queues/get-by-name', 'traces#read'),
  // Creates the caller's queue when it does not exist yet.
  twins('POST', '/3.0/mlflow/review-queues/get-or-create-user', 'traces#write'),
  twins('GET', '/3.0/mlflow/review-queues/list', 'traces#read'),
  twins('POST', '/3.0/mlflow/review-queues/update', 'traces#write'),
  twins('POST', '/3.0/mlflow/review-queues/delete', 'traces#delete'),
  twins('POST', '/3.0/mlflow/review-queues/items/add', 'traces#write'),
  twins('GET', '/3.0/mlflow/review-queues/items/list', 'traces#read'),
  twins('POST', '/3.0/mlflow/review-queues/items/remove', 'traces#delete'),
  twins('POST', '/3.0/mlflow/review-queues/items/set-status', 'traces#write'),
  twins('POST', '/3.0/mlflow/label-schemas/create', 'traces#write'),
  twins('GET', '/3.0/mlflow/label-schemas/get', 'traces#read'),
  twins('GET', '/3.0/mlflow/label-schemas/get-by-name', 'traces#read'),
  twins('GET', '/3.0/mlflow/label-schemas/list', 'traces#read'),
  twins('PATCH', '/3.0/mlflow/label-schemas/update', 'traces#write'),
  twins('DELETE', '/3.0/mlflow/label-schemas/delete', 'traces#delete'),

  // Datasets: evaluation datasets and the dataset inputs of runs
  twins('POST', '/3.0/mlflow/datasets/create', 'datasets#write'),
  twins('GET', '/3.0/mlflow/datasets/search', 'datasets#read'),
  twins('POST', '/3.0/mlflow/datasets/search', 'datasets#read'),
  twins('GET', '/3.0/mlflow/datasets/<dataset_id>', 'datasets#read'),
  twins('DELETE', '/3.0/mlflow/datasets/<dataset_id>', 'datasets#delete'),
  twins('PATCH', '/3.0/mlflow/datasets/<dataset_id>/tags', 'datasets#write'),
  twins('DELETE', '/3.0/mlflow/datasets/<dataset_id>/tags/<key>', 'datasets#delete'),
  twins('GET', '/3.0/mlflow/datasets/<dataset_id>/records', 'datasets#read'),
  twins('POST', '/3.0/mlflow/datasets/<dataset_id>/records', 'datasets#write'),
  twins('DELETE', '/3.0/mlflow/datasets/<dataset_id>/records', 'datasets#delete'),
  twins('GET', '/3.0/mlflow/datasets/<dataset_id>/experiment-ids', 'datasets#read'),
  twins('POST', '/3.0/mlflow/datasets/<dataset_id>/add-experiments', 'datasets#write'),
  // Removes the dataset's links to experiments.
  twins('POST', '/3.0/mlflow/datasets/<dataset_id>/remove-experiments', 'datasets#delete'),
  at('POST', '/ajax-api/2.0/mlflow/experiments/search-datasets', 'datasets#read'),
  // MLflow's proto declares this path without the slash after "2.0"; the server answers "not implemented".
  twins('POST', '/2.0mlflow/experiments/search-datasets', 'datasets#read'),

  // Prompts: prompt optimization jobs (prompts themselves go through the registered-model APIs)
  // Creating a job starts an LLM-driven optimization of a prompt; cancelling stops it without removing anything.
  twins('POST', '/3.0/mlflow/prompt-optimization/jobs', 'prompts#write'),
  twins('GET', '/3.0/mlflow/prompt-optimization/jobs/search', 'prompts#read'),
  twins('POST', '/3.0/mlflow/prompt-optimization/jobs/search', 'prompts#read'),
  twins('GET', '/3.0/mlflow/prompt-optimization/jobs/<job_id>', 'prompts#read'),
  twins('POST', '/3.0/mlflow/prompt-optimization/jobs/<job_id>/cancel', 'prompts#write'),
  twins('DELETE', '/3.0/mlflow/prompt-optimization/jobs/<job_id>', 'prompts#delete'),

  // Scorers
  twins('POST', '/3.0/mlflow/scorers/register', 'scorers#write'),
  twins('GET', '/3.0/mlflow/scorers/list', 'scorers#read'),
  twins('GET', '/3.0/mlflow/scorers/versions', 'scorers#read'),
  twins('GET', '/3.0/mlflow/scorers/get', 'scorers#read'),
  twins('DELETE', '/3.0/mlflow/scorers/delete', 'scorers#delete'),
  twins('GET', '/3.0/mlflow/scorers/online-configs', 'scorers#read'),
  // Turns online scoring on or off: scorers then run (and call LLMs) on every new trace.
  twins('PUT', '/3.0/mlflow/scorers/online-config', 'scorers#write'),
  // Runs scorers (LLM judges) on traces in background jobs.
  at('POST', '/ajax-api/3.0/mlflow/scorer/invoke', 'scorers#write'),
  at('POST', '/ajax-api/3.0/mlflow/genai/evaluate/invoke', 'scorers#write'),

  // AI gateway: secrets, endpoints, model definitions, budgets, guardrails, invocations
  twins('POST', '/3.0/mlflow/gateway/secrets/create', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/secrets/get', 'gateway#read'),
  twins('GET', '/3.0/mlflow/gateway/secrets/list', 'gateway#read'),
  twins('POST', '/3.0/mlflow/gateway/secrets/update', 'gateway#write'),
  twins('DELETE', '/3.0/mlflow/gateway/secrets/delete', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/endpoints/create', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/endpoints/get', 'gateway#read'),
  twins('GET', '/3.0/mlflow/gateway/endpoints/list', 'gateway#read'),
  twins('POST', '/3.0/mlflow/gateway/endpoints/update', 'gateway#write'),
  twins('DELETE', '/3.0/mlflow/gateway/endpoints/delete', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/endpoints/set-tag', 'gateway#write'),
  twins('DELETE', '/3.0/mlflow/gateway/endpoints/delete-tag', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/endpoints/models/attach', 'gateway#write'),
  // Detaching removes a model from the endpoint's configuration.
  twins('POST', '/3.0/mlflow/gateway/endpoints/models/detach', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/endpoints/bindings/create', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/endpoints/bindings/list', 'gateway#read'),
  twins('DELETE', '/3.0/mlflow/gateway/endpoints/bindings/delete', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/model-definitions/create', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/model-definitions/get', 'gateway#read'),
  twins('GET', '/3.0/mlflow/gateway/model-definitions/list', 'gateway#read'),
  twins('POST', '/3.0/mlflow/gateway/model-definitions/update', 'gateway#write'),
  twins('DELETE', '/3.0/mlflow/gateway/model-definitions/delete', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/budgets/create', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/budgets/get', 'gateway#read'),
  twins('GET', '/3.0/mlflow/gateway/budgets/list', 'gateway#read'),
  twins('GET', '/3.0/mlflow/gateway/budgets/windows', 'gateway#read'),
  twins('POST', '/3.0/mlflow/gateway/budgets/update', 'gateway#write'),
  twins('DELETE', '/3.0/mlflow/gateway/budgets/delete', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/guardrails/create', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/guardrails/get', 'gateway#read'),
  twins('GET', '/3.0/mlflow/gateway/guardrails/list', 'gateway#read'),
  twins('DELETE', '/3.0/mlflow/gateway/guardrails/delete', 'gateway#delete'),
  twins('POST', '/3.0/mlflow/gateway/guardrails/add-to-endpoint', 'gateway#write'),
  twins('GET', '/3.0/mlflow/gateway/guardrails/list-for-endpoint', 'gateway#read'),
  twins('PATCH', '/3.0/mlflow/gateway/guardrails/update-config', 'gateway#write'),
  twins('DELETE', '/3.0/mlflow/gateway/guardrails/remove-from-endpoint', 'gateway#delete'),
  at('GET', '/ajax-api/3.0/mlflow/gateway/supported-providers', 'gateway#read'),
  at('GET', '/ajax-api/3.0/mlflow/gateway/supported-models', 'gateway#read'),
  at('GET', '/ajax-api/3.0/mlflow/gateway/provider-config', 'gateway#read'),
  at('GET', '/ajax-api/3.0/mlflow/gateway/secrets/config', 'gateway#read'),
  // GET may only list the deployments target's endpoints; POST may only call an endpoint's invocations.
  at('GET', '/ajax-api/2.0/mlflow/gateway-proxy', 'gateway#read'),
  at('POST', '/ajax-api/2.0/mlflow/gateway-proxy', 'gateway#write'),
  // Invocations call the configured LLM provider with the gateway's secrets: they cost money.
  at('POST', '/gateway/{endpoint_name}/mlflow/invocations', 'gateway#write'),
  at('POST', '/gateway/mlflow/v1/chat/completions', 'gateway#write'),
  at('GET', '/gateway/mlflow/v1/models', 'gateway#read'),
  at('POST', '/gateway/openai/v1/chat/completions', 'gateway#write'),
  at('POST', '/gateway/openai/v1/embeddings', 'gateway#write'),
  at('POST', '/gateway/openai/v1/responses', 'gateway#write'),
  at('POST', '/gateway/openai/v1/responses/compact', 'gateway#write'),
  at('POST', '/gateway/anthropic/v1/messages', 'gateway#write'),
  at('POST', '/gateway/gemini/v1beta/models/{endpoint_name}:generateContent', 'gateway#write'),
  at('POST', '/gateway/gemini/v1beta/models/{endpoint_name}:streamGenerateContent', 'gateway#write'),
  at('POST', '/gateway/typesafe/v1/systemone', 'gateway#write'),
  at('POST', '/gateway/proxy/{endpoint_name}/{path:path}', 'gateway#write'),

  // Jobs: the FastAPI job API and its Flask twins
  // Submits any registered job function with caller-chosen parameters.
  at('POST', '/ajax-api/3.0/jobs/', 'jobs#write'),
  at('POST', '/ajax-api/3.0/jobs/search', 'jobs#read'),
  at('GET', '/ajax-api/3.0/jobs/{job_id}', 'jobs#read'),
  // Cancelling stops a job; it removes no data.
  at('PATCH', '/ajax-api/3.0/jobs/cancel/{job_id}', 'jobs#write'),
  at('GET', '/ajax-api/3.0/mlflow/jobs/<job_id>', 'jobs#read'),
  at('PATCH', '/ajax-api/3.0/mlflow/jobs/cancel/<job_id>', 'jobs#write'),
  // Issue detection: runs an LLM analysis of traces as a background job.
  at('POST', '/ajax-api/3.0/mlflow/issues/invoke', 'jobs#write'),

  // Webhooks
  twins('POST', '/2.0/mlflow/webhooks', 'webhooks#write'),
  twins('GET', '/2.0/mlflow/webhooks', 'webhooks#read'),
  twins('GET', '/2.0/mlflow/webhooks/<webhook_id>', 'webhooks#read'),
  twins('PATCH', '/2.0/mlflow/webhooks/<webhook_id>', 'webhooks#write'),
  twins('DELETE', '/2.0/mlflow/webhooks/<webhook_id>', 'webhooks#delete'),
  // Makes the server send a request to the webhook's URL.
  twins('POST', '/2.0/mlflow/webhooks/<webhook_id>/test', 'webhooks#write'),

  // MCP server registry (FastAPI). `{name:path}` spans slashes, so these rules overlap; per method they share one
  // scope, so every overlap agrees on the guard.
  twins('GET', '/3.0/mlflow/mcp-servers', 'mcp-servers#read'),
  twins('POST', '/3.0/mlflow/mcp-servers', 'mcp-servers#write'),
  twins('GET', '/3.0/mlflow/mcp-servers/endpoints', 'mcp-servers#read'),
  twins('GET', '/3.0/mlflow/mcp-servers/{name:path}', 'mcp-servers#read'),
  twins('PATCH', '/3.0/mlflow/mcp-servers/{name:path}', 'mcp-servers#write'),
  twins('DELETE', '/3.0/mlflow/mcp-servers/{name:path}', 'mcp-servers#delete'),
  twins('POST', '/3.0/mlflow/mcp-servers/{name:path}/aliases', 'mcp-servers#write'),
  twins('GET', '/3.0/mlflow/mcp-servers/{name:path}/aliases/{alias:path}', 'mcp-servers#read'),
  twins('DELETE', '/3.0/mlflow/mcp-servers/{name:path}/aliases/{alias:path}', 'mcp-servers#delete'),
  twins('GET', '/3.0/mlflow/mcp-servers/{name:path}/endpoints', 'mcp-servers#read'),
  twins('POST', '/3.0/mlflow/mcp-servers/{name:path}/endpoints', 'mcp-servers#write'),
  twins('GET', '/3.0/mlflow/mcp-servers/{name:path}/endpoints/{endpoint_id}', 'mcp-servers#read'),
  twins('PATCH', '/3.0/mlflow/mcp-servers/{name:path}/endpoints/{endpoint_id}', 'mcp-servers#write'),
  twins('DELETE', '/3.0/mlflow/mcp-servers/{name:path}/endpoints/{endpoint_id}', 'mcp-servers#delete'),
  twins('POST', '/3.0/mlflow/mcp-servers/{name:path}/tags', 'mcp-servers#write'),
  twins('DELETE', '/3.0/mlflow/mcp-servers/{name:path}/tags/{key:path}', 'mcp-servers#delete'),
  twins('GET', '/3.0/mlflow/mcp-servers/{name:path}/versions', 'mcp-servers#read'),
  twins('POST', '/3.0/mlflow/mcp-servers/{name:path}/versions', 'mcp-servers#write'),
  twins('GET', '/3.0/mlflow/mcp-servers/{name:path}/versions/{version:path}', 'mcp-servers#read'),
  twins('PATCH', '/3.0/mlflow/mcp-servers/{name:path}/versions/{version:path}', 'mcp-servers#write'),
  twins('DELETE', '/3.0/mlflow/mcp-servers/{name:path}/versions/{version:path}', 'mcp-servers#delete'),
  twins('POST', '/3.0/mlflow/mcp-servers/{name:path}/versions/{version:path}/tags', 'mcp-servers#write'),
  twins('DELETE', '/3.0/mlflow/mcp-servers/{name:path}/versions/{version:path}/tags/{key:path}', 'mcp-servers#delete'),


  // Assistant: MLflow lets a caller whose client address is loopback (and who sends no forwarding header) run the
  // agent's tools on the server host; behind a reverse proxy that locality check is meaningless, so refuse it all.
  at('GET', '/ajax-api/3.0/mlflow/assistant/config', REFUSED),
  at('PUT', '/ajax-api/3.0/mlflow/assistant/config', REFUSED),
  at('POST', '/ajax-api/3.0/mlflow/assistant/message', REFUSED),
  at('GET', '/ajax-api/3.0/mlflow/assistant/providers', REFUSED),
  at('GET', '/ajax-api/3.0/mlflow/assistant/providers/{provider}/health', REFUSED),
  at('GET', '/ajax-api/3.0/mlflow/assistant/providers/{provider}/models', REFUSED),
  at('PATCH', '/ajax-api/3.0/mlflow/assistant/sessions/{session_id}', REFUSED),
  at('POST', '/ajax-api/3.0/mlflow/assistant/sessions/{session_id}/permission', REFUSED),
  at('GET', '/ajax-api/3.0/mlflow/assistant/sessions/{session_id}/stream', REFUSED),
  at('POST', '/ajax-api/3.0/mlflow/assistant/sessions/{session_id}/tool-result', REFUSED),
  at('POST', '/ajax-api/3.0/mlflow/assistant/skills/install', REFUSED),

  // Static UI
  at('GET', '/', 'ui#read'),
  at('GET', '/static-files/<path:path>', 'ui#read'),
  // Flask's automatic route for the app's static folder (js/build).
  at('GET', '/build/<path:filename>', 'ui#read'),
  at('GET', '/ajax-api/3.0/mlflow/ui-telemetry', 'ui#read'),
  // Forwards the browser's usage records to MLflow's telemetry service.
  at('POST', '/ajax-api/3.0/mlflow/ui-telemetry', 'ui#write'),

  // Server metadata and workspaces
  at('GET', '/health', 'server#read'),
  at('GET', '/version', 'server#read'),
  twins('GET', '/3.0/mlflow/server-info', 'server#read'),
  // Workspaces are projects (src/core/projects.ts): besides the permission here, a request about one named
  // workspace needs its project scope (read, write, delete), and the gate itself answers listing (only the
  // projects the caller may read), creating (registered in Keycloak, owned by the caller) and deleting. Deleting
  // is its owner's or an admin's (project-delete), whatever their role; changing one (its artifact root) is
  // administration.
  twins('GET', '/3.0/mlflow/workspaces', 'server#read'),
  twins('POST', '/3.0/mlflow/workspaces', PROJECT_CREATION),
  twins('GET', '/3.0/mlflow/workspaces/<workspace_name>', 'server#read'),
  twins('PATCH', '/3.0/mlflow/workspaces/<workspace_name>', 'server#delete'),
  twins('DELETE', '/3.0/mlflow/workspaces/<workspace_name>', 'server#read'),
);
