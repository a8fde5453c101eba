/**
 * The scrape jobs of the exporters that run as containers beside a containerised Postgres and Redis (phase 1,
 * dev). Same job names as the database nodes' native exporters, so the scaling alerts read one series whichever
 * runs it. Where the exporters are not placed (phases 2-4 run Debian's packages on the data nodes), no job.
 */
import type { ResolvedWorkload } from "../../config/ports";
import { endpointsOf, hostPort, isLocal, type HostPlacement } from "../../topology/placement";
import type { ServiceName } from "../../workload/services";
import { POSTGRES_SCRAPE_JOB } from "./postgresExporter";
import type { ScrapeJob } from "./prometheus";
import { REDIS_SCRAPE_JOB } from "./redisExporter";

const JOBS: readonly { readonly job: string; readonly exporter: ServiceName }[] = [
    { job: POSTGRES_SCRAPE_JOB, exporter: "postgresExporter" },
    { job: REDIS_SCRAPE_JOB, exporter: "redisExporter" },
];

export function containerExporterJobs(workload: ResolvedWorkload, placement: HostPlacement): ScrapeJob[] {
    return JOBS.filter((j) => isLocal(placement, j.exporter)).map((j) => ({
        job: j.job,
        targets: endpointsOf(placement, workload, j.exporter).map(hostPort),
    }));
}
