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
