/**
 * OTLP attributes → Prometheus labels, as Prometheus' OTLP receiver builds them (`createAttributes` and
 * `addResourceTargetInfo` in storage/remote/otlptranslator/prometheusremotewrite/helper.go), with Flightdeck's
 * label limits checked per data point.
 */
import { MAX_LABEL_NAME_BYTES, MAX_LABEL_VALUE_BYTES, MAX_LABELS_PER_SERIES } from "./limits";
import type { OtlpAttribute } from "./otlp-model";
import { otlpLabelName } from "./otlp-names";
import { quoteForError, setLabel, utf8ByteLength } from "./series-labels";
import type { Labels } from "./types";

const SERVICE_NAME = "service.name";
const SERVICE_NAMESPACE = "service.namespace";
const SERVICE_INSTANCE_ID = "service.instance.id";

/** The `job` and `instance` labels a resource gives every series, in that order; either may be absent. */
export type ResourceIdentity = [name: "job" | "instance", value: string][];

/**
 * `service.namespace/service.name` (or `service.name` alone) → `job`, `service.instance.id` → `instance`; a repeated
 * key counts at its first occurrence, as pcommon's `Map.Get` finds it.
 */
export function resourceIdentity(attributes: readonly OtlpAttribute[]): ResourceIdentity {
  const first = (key: string) => attributes.find((a) => a.key === key)?.value;
  const identity: ResourceIdentity = [];
  const serviceName = first(SERVICE_NAME);
  if (serviceName !== undefined) {
    const namespace = first(SERVICE_NAMESPACE);
    identity.push(["job", namespace === undefined ? serviceName : `${namespace}/${serviceName}`]);
  }
  const instance = first(SERVICE_INSTANCE_ID);
  if (instance !== undefined) identity.push(["instance", instance]);
  return identity;
}

/** The resource attributes that go onto `target_info`: all but the three that became `job` and `instance`. */
export function targetInfoAttributes(attributes: readonly OtlpAttribute[]): OtlpAttribute[] {
  const identifying = [SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID];
  return attributes.filter((a) => !identifying.includes(a.key));
}

const byKey = (a: OtlpAttribute, b: OtlpAttribute) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Builds label sets for one request, remembering each attribute key's label name (keys repeat on every point). */
export class OtlpLabeler {
  private readonly names = new Map<string, string>();

  private labelName(key: string): string {
    let name = this.names.get(key);
    if (name === undefined) {
      name = otlpLabelName(key);
      this.names.set(key, name);
    }
    return name;
  }

  /**
   * `createAttributes`: attributes sorted by key, names sanitized, two keys that sanitize to one name joined with
   * `;`, then `job`/`instance` written over any attribute of that name. Empty values are left out: in Prometheus an
   * empty label is no label. Returns the reason, as a string, when the set can't be stored; `extraLabels` makes
   * room for an `le` or `quantile` still to come.
   */
  labels(attributes: readonly OtlpAttribute[], identity: ResourceIdentity, extraLabels: number): Labels | string {
    const sorted = attributes.length > 1 ? [...attributes].sort(byKey) : attributes;
    const out: Labels = {};
    for (const { key, value } of sorted) {
      const name = this.labelName(key);
      if (name === "") return `attribute ${quoteForError(key)} has no valid Prometheus label name`;
      if (name === "__name__") return `attribute ${quoteForError(key)} would overwrite the metric name (__name__)`;
      setLabel(out, name, Object.hasOwn(out, name) ? `${out[name]};${value}` : value);
    }
    for (const [name, value] of identity) setLabel(out, name, value);
    let count = extraLabels;
    for (const name in out) {
      const value = out[name] as string;
      if (value === "") {
        delete out[name];
        continue;
      }
      count++;
      const nameBytes = utf8ByteLength(name);
      if (nameBytes > MAX_LABEL_NAME_BYTES) {
        return `label name ${quoteForError(name)} is ${nameBytes} bytes, over the limit of ${MAX_LABEL_NAME_BYTES}`;
      }
      const valueBytes = utf8ByteLength(value);
      if (valueBytes > MAX_LABEL_VALUE_BYTES) {
        return (
          `the value of label ${quoteForError(name)} is ${valueBytes} bytes, ` +
          `over the limit of ${MAX_LABEL_VALUE_BYTES}`
        );
      }
    }
    if (count > MAX_LABELS_PER_SERIES) return `${count} labels, over the limit of ${MAX_LABELS_PER_SERIES} per series`;
    return out;
  }
}

/** A copy of `labels` with one more label (`le`, `quantile`), so no two series share a labels object. */
export function withLabel(labels: Labels, name: string, value: string): Labels {
  const out = { ...labels };
  setLabel(out, name, value);
  return out;
}
