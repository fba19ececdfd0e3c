import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import type { K8sObject } from './render-kustomization.js';

/**
 * The JSON schema of every kind the manifests use: Kubernetes' own OpenAPI schemas as shipped by
 * `kubernetes-models`, KEDA's CRD schema as shipped by `@kubernetes-models/keda`.
 */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/**
 * kustomize wraps a Secret's base64 values at 76 characters; the API server's decoder skips the
 * newlines, the schema's `byte` format does not.
 */
function withoutWrappedBase64(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object['data']) return object;
  const data = Object.fromEntries(
    Object.entries(object['data'] as Record<string, string>).map(([k, v]) => [k, v.replace(/\n/g, '')]),
  );
  return { ...object, data };
}

/**
 * Validates one object against the schema of its `apiVersion` and `kind`.
 * @throws Error naming the object and every schema violation, or saying no schema is known.
 */
export function validateObject(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`${key} ${object.metadata.name}: no schema known for this kind`);
  try {
    new Model(withoutWrappedBase64(object) as never).validate();
  } catch (err) {
    throw new Error(`${key} ${object.metadata.name}: ${(err as Error).message}`);
  }
}
