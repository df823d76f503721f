{{- define "who.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "who.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "who.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "who.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "who.selectorLabels" -}}
app.kubernetes.io/name: {{ include "who.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "who.serviceAccountName" -}}
{{- default (include "who.fullname" .) .Values.operator.serviceAccount.name -}}
{{- end -}}

{{- define "who.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) -}}
{{- end -}}

{{/* A fixed name, so app namespaces can bind to it whatever the release is called. */}}
{{- define "who.sidecarClusterRole" -}}
worker-health-sidecar
{{- end -}}

{{/* The rules the operator needs, in every namespace it watches. Kept exact: RbacProofIT compares them with the
requests the operator makes (policies, WorkerHealths and pods are read through informer caches: list and watch). */}}
{{- define "who.operatorNamespacedRules" -}}
# patch: the finalizer that restores scaled targets' baselines when a policy is deleted (java-operator-sdk may get
# the policy again when a finalizer change meets a conflict)
- apiGroups: ["workerhealth.io"]
  resources: ["workerhealthpolicies"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["workerhealth.io"]
  resources: ["workerhealths"]
  verbs: ["list", "watch"]
- apiGroups: ["workerhealth.io"]
  resources: ["workerhealthpolicies/status"]
  verbs: ["patch"]
# pods: their controllers (workload slots, bare pods) and the pods that never report, from an informer; a GET for a
# pod the informer has not delivered yet
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["pods/eviction"]
  verbs: ["create"]
# patch: a repeated Event raises the count of the one already written, as Kubernetes' own recorder does
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# no restart while a pod's Deployment or StatefulSet is mid-rollout (a ReplicaSet is read to find its Deployment)
- apiGroups: ["apps"]
  resources: ["replicasets", "deployments", "statefulsets"]
  verbs: ["get"]
# ScaleTarget: replicas are read and set through the scale subresource only. No replicasets/scale: a ReplicaSet a
# Deployment owns is set back by the Deployment (scale the Deployment); other kinds need a Role added by the user
- apiGroups: ["apps"]
  resources: ["deployments/scale", "statefulsets/scale"]
  verbs: ["get", "update"]
# ScaleTarget refuses targets an autoscaler drives
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["list"]
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects"]
  verbs: ["list"]
{{- end -}}

{{- define "who.agentName" -}}
{{- printf "%s-agent" (include "who.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "who.agentServiceAccountName" -}}
{{- default (include "who.agentName" .) .Values.agent.serviceAccount.name -}}
{{- end -}}

{{- define "who.agentSelectorLabels" -}}
app.kubernetes.io/name: {{ include "who.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{/* The agent is the sidecar image's second command: the same jar, the same image. */}}
{{- define "who.agentImage" -}}
{{- $repository := default .Values.sidecar.image.repository .Values.agent.image.repository -}}
{{- $tag := default (default .Chart.AppVersion .Values.sidecar.image.tag) .Values.agent.image.tag -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* The user name the API server gives the agent's ServiceAccount: what the admission policies match. */}}
{{- define "who.agentUser" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "who.agentServiceAccountName" .) -}}
{{- end -}}

{{/* What the agent needs in every namespace whose pods it reports. Kept exact: RbacProofIT compares them with the
requests the agent makes. Pods are listed and watched with the field selector spec.nodeName (RBAC cannot restrict a
field selector; the admission policy restricts what the agent may write to its own node's pods). */}}
{{- define "who.agentNamespacedRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
- apiGroups: ["workerhealth.io"]
  resources: ["workerhealths"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["workerhealth.io"]
  resources: ["workerhealths/status"]
  verbs: ["patch"]
{{- end -}}

{{- define "who.webhookService" -}}
{{- printf "%s-webhook" (include "who.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "who.webhookSecret" -}}
{{- printf "%s-webhook-tls" (include "who.fullname" .) -}}
{{- end -}}

{{- define "who.webhookConfiguration" -}}
{{- printf "%s-sidecar-injector" (include "who.fullname" .) -}}
{{- end -}}

{{- define "who.templateWebhookConfiguration" -}}
{{- printf "%s-sidecar-templates" (include "who.fullname" .) -}}
{{- end -}}

{{/* What the operator needs in each namespace where pods are injected: watch the labelled pods (to find those created
without their sidecar), and bind the sidecar ClusterRole, by name and no other, to injected pods' ServiceAccounts. */}}
{{- define "who.injectionNamespacedRules" -}}
{{- if .Values.injection.enabled }}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
{{- if .Values.injection.manageRoleBindings }}
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["get", "create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
  resourceNames: [{{ include "who.sidecarClusterRole" . | quote }}]
{{- end }}
{{- end }}
{{- end -}}
