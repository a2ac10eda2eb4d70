{{/*
The mesh's services as services/runtime/registry.py has them (tests/deploy/test_chart.py
checks they agree): gRPC port, whether the service owns a PostgreSQL schema, other ports,
and who calls it besides the gateway and the platform service (which asks every service
for its health). "callers" comes from the code: the services whose clients.stub(...) or
clients.channel(...) name this one. "*" is every mesh service: each one fetches the auth
service's JWKS and service tokens, and sends its spans to the platform service.
*/}}
{{- define "tablemesh.mesh" -}}
mcp: {port: 8001, database: false, extraPorts: [{name: mcp-http, port: 8016}], callers: [llm]}
airtable: {port: 8002, database: true, callers: [saga, automation, workspaces, mcp]}
llm: {port: 8003, database: true, callers: []}
model: {port: 8004, database: false, callers: [llm]}
console: {port: 8005, database: false, callers: []}
automation: {port: 8006, database: true, callers: []}
platform: {port: 8007, database: true, callers: ["*"]}
saga: {port: 8008, database: true, callers: []}
auth: {port: 8009, database: true, callers: ["*"]}
users: {port: 8010, database: true, callers: [auth, platform, workspaces]}
workspaces: {port: 8011, database: true, callers: [saga, airtable]}
permissions: {port: 8012, database: true, callers: [airtable, workspaces]}
notifications: {port: 8013, database: true, callers: [saga, automation, webhooks]}
webhooks: {port: 8014, database: true, callers: []}
audit: {port: 8015, database: true, callers: []}
{{- end -}}

{{/* The gateway's ports (registry.GATEWAY_PORT, registry.ENVOY_ADMIN_PORT). */}}
{{- define "tablemesh.gatewayPort" -}}8000{{- end -}}
{{- define "tablemesh.adminPort" -}}9901{{- end -}}
{{/* A service's Prometheus metrics: its port + 50 (services/runtime/metrics.py). */}}
{{- define "tablemesh.metricsShift" -}}50{{- end -}}

{{- define "tablemesh.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Whether a mesh service runs: the model service only when enabled. */}}
{{- define "tablemesh.enabled" -}}
{{- if or (ne .name "model") .root.Values.model.enabled -}}true{{- end -}}
{{- end -}}

{{- define "tablemesh.selector" -}}
app.kubernetes.io/name: tablemesh
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "tablemesh.labels" -}}
{{ include "tablemesh.selector" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "tablemesh.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}:{{ $tag }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{- define "tablemesh.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "tablemesh.fullname" .)) -}}
{{- end -}}

{{/* host:port of a mesh service inside the cluster (its headless Service's DNS name). */}}
{{- define "tablemesh.address" -}}
{{ include "tablemesh.fullname" .root }}-{{ .name }}.{{ .root.Release.Namespace }}.svc.{{ .root.Values.clusterDomain }}:{{ .port }}
{{- end -}}

{{/* Pod security: non-root, seccomp RuntimeDefault, no privilege escalation, no capabilities. */}}
{{- define "tablemesh.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
fsGroup: {{ .Values.podSecurity.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tablemesh.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurity.runAsUser }}
runAsGroup: {{ .Values.podSecurity.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The environment every container shares: where the other services are, the data stores
and the mesh's secrets (each from its Secret), writable paths on the /tmp emptyDir.
*/}}
{{- define "tablemesh.env" -}}
{{- $root := . -}}
- name: TABLEMESH_HOST
  value: 0.0.0.0
- name: TABLEMESH_VAR_DIR
  value: /tmp/tablemesh
- name: HOME
  value: /tmp
- name: PYTHONDONTWRITEBYTECODE
  value: "1"
- name: TABLEMESH_WORKERS
  value: "1"
- name: TABLEMESH_CLIENT_LOAD_BALANCING
  value: round_robin
- name: TABLEMESH_MAX_CONNECTION_AGE
  value: {{ .Values.maxConnectionAge | quote }}
- name: TABLEMESH_SHUTDOWN_GRACE
  value: {{ .Values.shutdownGrace | quote }}
- name: TABLEMESH_LLM_PROVIDER
  value: {{ .Values.llm.provider | quote }}
{{- range $name, $svc := include "tablemesh.mesh" . | fromYaml }}
- name: TABLEMESH_{{ upper $name }}_ADDR
  value: {{ include "tablemesh.address" (dict "root" $root "name" $name "port" $svc.port) }}
{{- end }}
- name: TABLEMESH_MCP_HTTP_ADDR
  value: {{ include "tablemesh.address" (dict "root" . "name" "mcp" "port" 8016) }}
- name: TABLEMESH_ENVOY_ADMIN_ADDR
  value: {{ include "tablemesh.address" (dict "root" . "name" "gateway" "port" (include "tablemesh.adminPort" .)) }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.stores.secretName }}
      key: {{ .Values.stores.databaseUrlKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.stores.secretName }}
      key: {{ .Values.stores.redisUrlKey }}
- name: TABLEMESH_SERVICE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "tablemesh.secretName" . }}
      key: {{ .Values.secrets.serviceSecretKey }}
{{- end -}}

{{- define "tablemesh.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "tablemesh.checkovSkips" -}}
checkov.io/skip1: CKV_K8S_35=The services read their secrets from the environment only (services/runtime/config.py); each comes from a Secret by secretKeyRef, never a literal
checkov.io/skip2: CKV_K8S_43=The digest is set with image.digest at install; a chart cannot know the digest of an image built later
{{- end -}}
