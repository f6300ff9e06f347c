{{/* The chart's name, at most 63 characters (a DNS label). */}}
{{- define "bigfile.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's resource name, at most 63 characters. The Deployment's pods are named after it plus two generated
parts, and Kubernetes keeps a generated pod name within 63 characters: that bound matters, because the pod name
becomes narayana.node-identifier, which Narayana limits to 64 bytes.
*/}}
{{- define "bigfile.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "bigfile.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bigfile.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bigfile.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bigfile.labels" -}}
helm.sh/chart: {{ include "bigfile.chart" . }}
{{ include "bigfile.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The server pods (not the migration Job's). */}}
{{- define "bigfile.serverSelectorLabels" -}}
{{ include "bigfile.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "bigfile.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
Refuses more than one replica. Open transactions live in the memory of the replica that began them (README.md,
"Caching and several replicas"): a request carrying txn=<id> that reaches another replica answers 404. The chart
does not route by txn, so several replicas are only allowed to someone who says they do (allowMultipleReplicas).
*/}}
{{- define "bigfile.validateReplicas" -}}
{{- if not .Values.allowMultipleReplicas }}
{{- $why := "open transactions live in the memory of the replica that began them, so every request carrying txn=<id> must reach that replica, and this chart does not route requests by their txn parameter. Run one replica, or set allowMultipleReplicas=true if you provide sticky routing on txn yourself (README.md, \"Deploying\")" }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail (printf "bigfile: replicaCount=%d refused: %s" (int .Values.replicaCount) $why) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) 1) }}
{{- fail (printf "bigfile: autoscaling.maxReplicas=%d refused: %s" (int .Values.autoscaling.maxReplicas) $why) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The bigfile.* settings as the service names them: each values key in kebab case (idleTimeout -> idle-timeout),
the spelling of the properties records' names in io.bigfile.config. Unset groups are left out.
*/}}
{{- define "bigfile.settings" -}}
{{- $out := dict }}
{{- range $group, $settings := .Values.bigfile }}
{{- $g := dict }}
{{- range $key, $value := $settings }}
{{- $_ := set $g (kebabcase $key) $value }}
{{- end }}
{{- if $g }}
{{- $_ := set $out (kebabcase $group) $g }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* The pod security context: a fixed non-root user. */}}
{{- define "bigfile.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.podSecurityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Every container's security context; not configurable. */}}
{{- define "bigfile.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
{{- end }}

{{/* The database: URL and user from values, the password from the existing Secret. */}}
{{- define "bigfile.databaseEnv" -}}
- name: SPRING_DATASOURCE_URL
  value: {{ .Values.database.url | quote }}
- name: SPRING_DATASOURCE_USERNAME
  value: {{ .Values.database.username | quote }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.passwordKey }}
{{- with .Values.jvmOptions }}
{{- /* A JVM out of memory exits, so that Kubernetes restarts it, whatever options replace the image's. */}}
- name: JDK_JAVA_OPTIONS
  value: {{ printf "-XX:+ExitOnOutOfMemoryError %s" . | quote }}
{{- end }}
{{- end }}
