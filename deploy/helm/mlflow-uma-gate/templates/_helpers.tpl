{{/* Names: every object is <release>-mlflow-uma-gate-<component> (or <release>-<component> when the release
     name already holds the chart's), within Kubernetes' 63 characters. */}}
{{- define "gate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gate.name" -}}
{{- printf "%s-%s" (include "gate.fullname" .root) .component -}}
{{- end -}}

{{- define "gate.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gate.labels" -}}
{{ include "gate.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The Secret the chart generates for every secret no existingSecret gives. */}}
{{- define "gate.generatedSecret" -}}
{{- include "gate.name" (dict "root" . "component" "generated") -}}
{{- end -}}

{{/* The Secret holding a component's secrets: its existingSecret, or the generated one. */}}
{{- define "gate.secretOf" -}}
{{- .values.existingSecret | default (include "gate.generatedSecret" .root) -}}
{{- end -}}

{{- define "gate.image" -}}
image: {{ printf "%s:%s" .repository .tag | quote }}
imagePullPolicy: {{ .pullPolicy }}
{{- end -}}

{{/* Containers run as the image's unprivileged account, with nothing added and nothing to escalate to. */}}
{{- define "gate.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .readOnlyRootFilesystem }}
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "gate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The realm's issuer URL, as tokens carry it. */}}
{{- define "gate.issuer" -}}
{{- required "keycloak.url: the address people and tokens use for Keycloak (https://sso.example.com)" .Values.keycloak.url | trimSuffix "/" -}}
/realms/{{ .Values.keycloak.realm }}
{{- end -}}

{{- define "gate.postgresHost" -}}
{{- if .Values.postgres.enabled -}}
{{- include "gate.name" (dict "root" . "component" "postgres") -}}
{{- else -}}
{{- required "postgres.host: the external Postgres server (or postgres.enabled)" .Values.postgres.host -}}
{{- end -}}
{{- end -}}

{{- define "gate.objectStoreEndpoint" -}}
{{- if .Values.objectStore.enabled -}}
http://{{ include "gate.name" (dict "root" . "component" "objectstore") }}:9000
{{- else -}}
{{- required "objectStore.endpoint: the S3-compatible endpoint (or objectStore.enabled)" .Values.objectStore.endpoint -}}
{{- end -}}
{{- end -}}

{{/* The gate's port inside the pod: HTTPS with gate.tls, plain HTTP behind a TLS-terminating Ingress. */}}
{{- define "gate.containerPort" -}}
{{- if .Values.gate.tls.secretName -}}8443{{- else -}}8080{{- end -}}
{{- end -}}
