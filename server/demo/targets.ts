/**
 * The scrape targets the demo registers: one dcgm-exporter per host, one Alluxio master per cache cluster, and the
 * inference host's model server. Their
 * `instance` is fixed by an extra label (the demo's page server gets a new port at every start), so a restart
 * continues the same series.
 */
import type { ScrapeTargetInput } from "@/server/ingest/scrape-config";
import type { DemoCluster, DemoHost } from "./scenario";

export function dcgmTarget(host: DemoHost, baseUrl: string): ScrapeTargetInput {
  return {
    url: `${baseUrl}/dcgm/${host.name}/metrics`,
    jobName: "dcgm-exporter",
    intervalSeconds: 30,
    timeoutSeconds: 10,
    labels: { instance: `${host.name}:9400` },
    enabled: true,
  };
}

export function clusterTarget(cluster: DemoCluster, baseUrl: string): ScrapeTargetInput {
  const path = cluster.style === "2.x" ? "/metrics/prometheus/" : "/metrics";
  return {
    url: `${baseUrl}/alluxio/${cluster.name}${path}`,
    jobName: "alluxio",
    intervalSeconds: 30,
    timeoutSeconds: 10,
    labels: { instance: `${cluster.name}-master:${cluster.style === "2.x" ? 19999 : 30000}`, cache_cluster: cluster.name },
    enabled: true,
  };
}

/** The inference host's model server, labelled with the cache cluster its weights are read through. */
export function modelServerTarget(baseUrl: string): ScrapeTargetInput {
  return {
    url: `${baseUrl}/models/gpu-node-04/metrics`,
    jobName: "model-server",
    intervalSeconds: 30,
    timeoutSeconds: 10,
    labels: { instance: "gpu-node-04:8000", cache_cluster: "cache-us-west" },
    enabled: true,
  };
}
