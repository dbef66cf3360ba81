{{/* Names and labels shared by every object of the release. */}}

{{- define "raydeck.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "raydeck.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "raydeck.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "raydeck.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "raydeck.selectorLabels" -}}
app.kubernetes.io/name: {{ include "raydeck.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "raydeck.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "raydeck.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "raydeck.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "raydeck.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Cluster-scoped objects carry the namespace too: two releases in two namespaces do not clash. */}}
{{- define "raydeck.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "raydeck.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Grafana URL: monitoring.grafana.url, else scheme://domain[:port] from its parts. */}}
{{- define "raydeck.grafanaUrl" -}}
{{- $g := .Values.monitoring.grafana }}
{{- if $g.url }}
{{- $g.url }}
{{- else if $g.domain }}
{{- printf "%s://%s" $g.scheme $g.domain }}{{ if $g.port }}:{{ $g.port }}{{ end }}
{{- end }}
{{- end }}

{{/* Settings that cannot work together stop the install with a sentence. */}}
{{- define "raydeck.validate" -}}
{{- if not (has .Values.platform (list "kubernetes" "local")) }}
{{- fail (printf "platform: %q is not one of kubernetes, local" .Values.platform) }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not (or .Values.database.url .Values.database.secretName)) }}
{{- fail "replicaCount: more than one replica needs a shared database (database.url or database.secretName); SQLite belongs to one pod" }}
{{- end }}
{{- if and .Values.service.nodePort (ne .Values.service.type "NodePort") (ne .Values.service.type "LoadBalancer") }}
{{- fail (printf "service.nodePort: set only with service.type NodePort or LoadBalancer, not %s" .Values.service.type) }}
{{- end }}
{{- if and .Values.service.nodePort (or (lt (int .Values.service.nodePort) 30000) (gt (int .Values.service.nodePort) 32767)) }}
{{- fail (printf "service.nodePort: %v is outside 30000-32767" .Values.service.nodePort) }}
{{- end }}
{{- end }}
