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

{{/* drainPeriod in seconds: digits and a unit, s, m or h (the schema admits no other spelling). */}}
{{- define "bigfile.drainSeconds" -}}
{{- $period := toString .Values.drainPeriod }}
{{- $digits := regexFind "^[0-9]+" $period }}
{{- $unit := trimPrefix $digits $period }}
{{- mul (int $digits) (get (dict "s" 1 "m" 60 "h" 3600) $unit) }}
{{- end }}

{{/*
The pod's termination grace period: the drain period, then up to 30 s for the requests still in flight
(spring.lifecycle.timeout-per-shutdown-phase in the service's application.yaml) and 15 s to stop the engine and the
JVM. Past it the kubelet kills the JVM, and whatever was still being answered is cut off.
*/}}
{{- define "bigfile.terminationGracePeriodSeconds" -}}
{{- $drain := add (include "bigfile.drainSeconds" . | int) (int .Values.preStopSleepSeconds) | int }}
{{- if hasKey .Values "terminationGracePeriodSeconds" }}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- if le $grace (add $drain 30 | int) }}
{{- fail (printf "bigfile: terminationGracePeriodSeconds=%d refused: a stopping pod first waits preStopSleepSeconds (%d s) while it leaves the Service, then keeps serving its open transactions for drainPeriod (%s), then finishes the requests in flight for up to 30 s; give the pod more than %d s, or leave terminationGracePeriodSeconds unset (preStopSleepSeconds + drainPeriod + 45 s)" $grace (int .Values.preStopSleepSeconds) (toString .Values.drainPeriod) (add $drain 30)) }}
{{- end }}
{{- $grace }}
{{- else }}
{{- add $drain 45 }}
{{- end }}
{{- end }}

{{/*
The smallest number of server pods the release runs: replicaCount, or the autoscaler's minimum.
*/}}
{{- define "bigfile.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}
{{- .Values.autoscaling.minReplicas }}
{{- else }}
{{- .Values.replicaCount }}
{{- end }}
{{- end }}

{{/*
The largest number of server pods the release runs when no rollout is under way: replicaCount, or the
autoscaler's maximum.
*/}}
{{- define "bigfile.maxReplicas" -}}
{{- if .Values.autoscaling.enabled }}
{{- .Values.autoscaling.maxReplicas }}
{{- else }}
{{- .Values.replicaCount }}
{{- end }}
{{- end }}

{{/*
Scaling values that contradict each other: an autoscaler whose minimum exceeds its maximum, and a disruption budget
that no eviction can satisfy (minAvailable as large as the replicas: a node drain would wait forever).
*/}}
{{- define "bigfile.validateScaling" -}}
{{- with .Values.autoscaling }}
{{- if and .enabled (gt (int .minReplicas) (int .maxReplicas)) }}
{{- fail (printf "bigfile: autoscaling.minReplicas=%d is more than autoscaling.maxReplicas=%d" (int .minReplicas) (int .maxReplicas)) }}
{{- end }}
{{- end }}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (hasKey $pdb "minAvailable") (not (kindIs "string" $pdb.minAvailable)) }}
{{- $least := include "bigfile.minReplicas" . | int }}
{{- if ge (int $pdb.minAvailable) $least }}
{{- fail (printf "bigfile: podDisruptionBudget.minAvailable=%d refused: the release may run %d server pod(s), so no pod could ever be evicted and every node drain would wait forever; lower it, or use maxUnavailable" (int $pdb.minAvailable) $least) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Connections to the primary, as io.bigfile.config.DatabaseProperties counts them: each pod up to readConnections +
writeConnections + 2 (the listener and a readiness check); the defaults are the record's.
*/}}
{{- define "bigfile.connectionsPerPod" -}}
{{- $db := .Values.bigfile.database | default dict }}
{{- add (int ($db.readConnections | default 12)) (int ($db.writeConnections | default 8)) 2 }}
{{- end }}

{{/*
Settings of another mode are refused rather than ignored: whoever sets an issuer with mode token believes the
service checks JWTs. The management port is a port of its own. With egress restricted, an oauth2 pod must still reach its identity provider for the issuer's metadata
and keys.
*/}}
{{- define "bigfile.validateSecurity" -}}
{{- $security := .Values.security }}
{{- if ne $security.mode "oauth2" }}
{{- range $key := list "issuerUri" "jwkSetUri" "audiences" "clockSkew" }}
{{- if hasKey $security $key }}
{{- fail (printf "bigfile: security.%s is set but security.mode is %s: issuerUri, jwkSetUri, audiences and clockSkew apply to mode oauth2 only" $key $security.mode) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (ne $security.mode "token") (hasKey $security "tokens") }}
{{- fail (printf "bigfile: security.tokens is set but security.mode is %s: static tokens apply to mode token only" $security.mode) }}
{{- end }}
{{- if eq (int .Values.management.port) 8080 }}
{{- fail "bigfile: management.port=8080 refused: it is the service's HTTP port (server.port); the actuator needs a port of its own, which the Service does not expose" }}
{{- end }}
{{- if and (eq .Values.security.mode "oauth2") .Values.networkPolicy.enabled .Values.networkPolicy.egress.enabled (not .Values.networkPolicy.egress.issuerTo) }}
{{- fail "bigfile: security.mode=oauth2 with networkPolicy.egress.enabled needs networkPolicy.egress.issuerTo: the pods fetch the issuer's metadata and signing keys (JWKS) from the identity provider" }}
{{- end }}
{{- end }}

{{/* The Secret of static tokens (token mode), or nothing. */}}
{{- define "bigfile.tokensSecret" -}}
{{- if eq .Values.security.mode "token" }}
{{- .Values.security.tokens.existingSecret }}
{{- end }}
{{- end }}

{{/* The Secret of link keys the release was given, or nothing. */}}
{{- define "bigfile.existingLinksSecret" -}}
{{- with .Values.security.links }}
{{- .existingSecret }}
{{- end }}
{{- end }}

{{/*
The Secret of the keys that sign links: the one given, else the one the chart generates (links-secret.yaml). Every
pod mounts the same, so that a link signed by one replica is accepted by all.
*/}}
{{- define "bigfile.linksSecret" -}}
{{- include "bigfile.existingLinksSecret" . | default (printf "%s-links" (include "bigfile.fullname" . | trunc 57 | trimSuffix "-")) }}
{{- end }}

{{/* The id of the key the chart generates: it appears in links as link-key=helm. */}}
{{- define "bigfile.generatedLinkKeyId" -}}
helm
{{- end }}

{{/*
Where the Secrets' settings files are mounted, and Spring's spring.config.import of them (SPRING_CONFIG_IMPORT).
Each Secret volume projects only its one key, so a Secret without that key stops the pod from starting (the
kubelet reports the missing key) instead of starting it without the settings.
*/}}
{{- define "bigfile.secretsDir" -}}
/etc/bigfile-secrets
{{- end }}

{{- define "bigfile.configImports" -}}
{{- $files := list }}
{{- if include "bigfile.tokensSecret" . }}
{{- $files = append $files (printf "optional:file:%s/tokens/tokens.yaml" (include "bigfile.secretsDir" .)) }}
{{- end }}
{{- $files = append $files (printf "optional:file:%s/links/links.yaml" (include "bigfile.secretsDir" .)) }}
{{- join "," $files }}
{{- end }}

{{/*
bigfile.security.* as the service names them, from the values under security: the mode, the audiences and clock
skew, and the links, cors and audit groups, each key in kebab case. Neither the Secrets' names nor anything from
them: tokens and keys reach the pod only as the mounted files above.
*/}}
{{- define "bigfile.securitySettings" -}}
{{- $out := dict }}
{{- range $key, $value := .Values.security }}
{{- if has $key (list "mode" "audiences" "clockSkew") }}
{{- $_ := set $out (kebabcase $key) $value }}
{{- else if has $key (list "links" "cors" "audit") }}
{{- $group := dict }}
{{- range $k, $v := $value }}
{{- if ne $k "existingSecret" }}
{{- $_ := set $group (kebabcase $k) $v }}
{{- end }}
{{- end }}
{{- if $group }}
{{- $_ := set $out $key $group }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* Spring's spring.security.oauth2.resourceserver.jwt.* (oauth2 mode), or nothing. */}}
{{- define "bigfile.jwtSettings" -}}
{{- $out := dict }}
{{- with .Values.security.issuerUri }}
{{- $_ := set $out "issuer-uri" . }}
{{- end }}
{{- with .Values.security.jwkSetUri }}
{{- $_ := set $out "jwk-set-uri" . }}
{{- end }}
{{- if $out }}
{{- toYaml $out }}
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
