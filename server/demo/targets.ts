/**
 * The scrape targets the demo registers: one dcgm-exporter per host, each Alluxio 2.x master and every cache
 * worker, and the inference host's model server. Their
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

/** One scrape target of a cache cluster: its 2.x master, or one of its workers. */
export interface ClusterScrape {
  cluster: DemoCluster;
  worker: number | "master";
  target: ScrapeTargetInput;
}

/** A 2.x cluster's master and workers, or a 3.x cluster's workers (3.x has no master page). */
export function clusterTargets(cluster: DemoCluster, baseUrl: string): ClusterScrape[] {
  const path = cluster.style === "2.x" ? "/metrics/prometheus/" : "/metrics";
  const target = (url: string, instance: string): ScrapeTargetInput => ({
    url,
    jobName: "alluxio",
    intervalSeconds: 30,
    timeoutSeconds: 10,
    labels: { instance, cache_cluster: cluster.name },
    enabled: true,
  });
  const workers = cluster.workers.map((w, i) => ({
    cluster,
    worker: i,
    target: target(`${baseUrl}/alluxio/${cluster.name}/workers/${i}${path}`, `${w.host}:30000`),
  }));
  if (cluster.style === "3.x") return workers;
  return [{ cluster, worker: "master", target: target(`${baseUrl}/alluxio/${cluster.name}${path}`, `${cluster.name}-master:19999`) }, ...workers];
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
