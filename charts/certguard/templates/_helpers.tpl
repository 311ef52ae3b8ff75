{{/* Names (63 characters: the DNS label limit for Service names). */}}
{{- define "certguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "certguard.fullname" -}}
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

{{- define "certguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "certguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The Deployment's pods: the Service must never select the bootstrap Job's pods. */}}
{{- define "certguard.webhookSelectorLabels" -}}
{{ include "certguard.selectorLabels" . }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "certguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "certguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "certguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "certguard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "certguard.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "certguard.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "certguard.fullname" .)) .Values.tls.secretName }}
{{- end }}

{{- define "certguard.caSecretName" -}}
{{- default (printf "%s-ca" (include "certguard.fullname" .)) .Values.tls.caSecretName }}
{{- end }}

{{/* cert-manager wins when both are enabled: then the bootstrap Job would fight cainjector. */}}
{{- define "certguard.bootstrapEnabled" -}}
{{- if and .Values.bootstrap.enabled (not .Values.certManager.enabled) }}true{{- end }}
{{- end }}

{{/* A policy's mode from the config section; the default is the schema's (enforce). */}}
{{- define "certguard.policyMode" -}}
{{- $policy := get (.root.Values.config.policies | default dict) .id | default dict }}
{{- get $policy "mode" | default "enforce" }}
{{- end }}

{{/* config.breakGlass.authorization: rbac (the schema's default) or annotation. */}}
{{- define "certguard.breakGlassAuthorization" -}}
{{- dig "breakGlass" "authorization" "rbac" (.Values.config | default dict) }}
{{- end }}

{{/* The ClusterRole admins bind to grant break glass; config.breakGlass.clusterRole names it in messages. */}}
{{- define "certguard.breakGlassClusterRole" -}}
{{- printf "%s-break-glass" (include "certguard.fullname" .) }}
{{- end }}

{{/* "true" when some policy runs in placeholder mode: mutating webhook + create on Secrets. */}}
{{- define "certguard.placeholderMode" -}}
{{- range $id, $_ := .Values.webhooks }}
{{- if eq (include "certguard.policyMode" (dict "root" $ "id" $id)) "placeholder" }}true{{- end }}
{{- end }}
{{- end }}

{{/*
Webhooks of one kind ("validating" or "mutating"), as a YAML list. A policy in mode placeholder is
mutating; off is not registered; every other mode is validating. This mirrors each policy's
`admission` property (src/policies/types.ts), which the chart cannot read: test/chart/webhooks.test.ts
checks that the two agree for every mode.
*/}}
{{- define "certguard.webhooks" -}}
{{- $root := .root }}
{{- $kind := .kind }}
{{- $excluded := concat (list "kube-system" $root.Release.Namespace) $root.Values.webhook.excludeNamespaces | uniq }}
{{- range $id, $hook := $root.Values.webhooks }}
{{- $mode := include "certguard.policyMode" (dict "root" $root "id" $id) }}
{{- $mutating := eq $mode "placeholder" }}
{{- if and (ne $mode "off") (eq $kind (ternary "mutating" "validating" $mutating)) }}
{{- $path := printf "/%s/%s" (ternary "mutate" "validate" $mutating) $id }}
- name: {{ $id }}.certguard.io
  admissionReviewVersions: [v1]
  clientConfig:
    {{- if $root.Values.webhook.url }}
    url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) $path | quote }}
    {{- else }}
    service:
      name: {{ include "certguard.fullname" $root }}
      namespace: {{ $root.Release.Namespace }}
      path: {{ $path }}
      port: {{ $root.Values.service.port }}
    {{- end }}
    {{- with $root.Values.webhook.caBundle }}
    caBundle: {{ . }}
    {{- end }}
  {{- /* Mutating fails open, always: a placeholder is a convenience, never a gate. */}}
  failurePolicy: {{ ternary "Ignore" (default $root.Values.webhook.failurePolicy $hook.failurePolicy) $mutating }}
  {{- /* Placeholder mode creates Secrets, but never on a dry run. */}}
  sideEffects: {{ ternary "NoneOnDryRun" "None" $mutating }}
  timeoutSeconds: {{ default $root.Values.webhook.timeoutSeconds $hook.timeoutSeconds }}
  matchPolicy: Equivalent
  {{- if $mutating }}
  reinvocationPolicy: Never
  {{- end }}
  namespaceSelector:
    matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values: {{ toJson $excluded }}
      {{- with $root.Values.webhook.optOutLabel }}
      - key: {{ . }}
        operator: NotIn
        values: ["true"]
      {{- end }}
      {{- with $root.Values.webhook.extraNamespaceSelectorExpressions }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
  rules:
    {{- toYaml $hook.rules | nindent 4 }}
  {{- with $hook.matchConditions }}
  matchConditions:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by the Deployment and the bootstrap Jobs. */}}
{{- define "certguard.podSecurity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{- /*
serve --request-timeout: the smallest timeoutSeconds of any webhook, less 1 s for the API server's
call around the review (TLS, network both ways), so certguard answers before the API server stops
waiting. values.schema.json keeps every timeoutSeconds at 2 or more, so at least 1 s is left.
*/}}
{{- define "certguard.requestTimeout" -}}
{{- $seconds := .Values.webhook.timeoutSeconds | int }}
{{- range $id, $hook := .Values.webhooks }}
{{- if and $hook $hook.timeoutSeconds }}{{ $seconds = min $seconds ($hook.timeoutSeconds | int) }}{{ end }}
{{- end }}
{{- printf "%dms" (sub (mul $seconds 1000) 1000) }}
{{- end }}
