import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { NETWORKS } from "../../core/render/app/compose";
import type { DevContainer, DevSecrets } from "../../core/render/dev/devContainers";

export interface LocalServicesArgs {
    readonly stack: string;
    readonly containers: readonly DevContainer[];
    readonly secrets: { readonly [K in keyof DevSecrets]: pulumi.Input<string> };
}

/**
 * The dev stack on the local Docker engine: networks, pulled images, volumes and one container per service
 * copy. Only volumes holding data are protected; config and secret volumes are refilled on every create.
 */
export class LocalServices extends pulumi.ComponentResource {
    public readonly containerNames: pulumi.Output<string>[];

    constructor(name: string, args: LocalServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:local:LocalServices", name, {}, opts);
        const { stack, containers } = args;
        const labels = (extra: Record<string, string>) =>
            Object.entries({ "phase-stacks/stack": stack, ...extra }).map(([label, value]) => ({
                label,
                value,
            }));

        const networks = new Map(
            [...new Set(containers.flatMap((c) => c.networks.map((n) => n.network)))].map((n) => [
                n,
                new docker.Network(
                    `${name}-${n}`,
                    { name: `${stack}-${n}`, internal: NETWORKS[n].internal, labels: labels({}) },
                    { parent: this },
                ),
            ]),
        );
        const images = new Map(
            [...new Set(containers.map((c) => c.image))].map((image) => [
                image,
                new docker.RemoteImage(
                    `${name}-image-${image.replace(/[^a-zA-Z0-9]+/g, "-")}`,
                    { name: image, keepLocally: true },
                    { parent: this },
                ),
            ]),
        );
        // One resource per volume name, however many mounts name it: a second one would repeat its URN.
        const volumes = new Map(
            [...new Map(containers.flatMap((c) => c.volumes).map((v) => [v.volume, v])).values()].map((v) => [
                v.volume,
                new docker.Volume(
                    `${name}-${v.volume.slice(stack.length + 1)}`,
                    { name: v.volume, labels: labels({ "phase-stacks/contents": v.contents }) },
                    { parent: this, protect: v.contents === "data" },
                ),
            ]),
        );

        const created = new Map<string, docker.Container>();
        for (const c of containers) {
            const [owner = "0", group = owner] = c.user.split(":");
            const container = new docker.Container(
                `${name}-${c.name}`,
                {
                    name: `${stack}-${c.name}`,
                    image: images.get(c.image)?.imageId ?? c.image,
                    ...(c.command ? { command: [...c.command] } : {}),
                    user: c.user,
                    envs: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
                    networksAdvanced: c.networks.map((n) => ({
                        name: networks.get(n.network)?.name ?? n.network,
                        aliases: [...n.aliases],
                    })),
                    ports: c.ports.map((p) => ({
                        internal: p.internal,
                        external: p.external,
                        ip: "127.0.0.1",
                        protocol: "tcp",
                    })),
                    capabilities: { drops: ["ALL"], adds: [...c.capAdd] },
                    securityOpts: ["no-new-privileges:true"],
                    readOnly: true,
                    tmpfs: { ...c.tmpfs },
                    mounts: c.volumes.map((v) => ({
                        type: "volume",
                        source: volumes.get(v.volume)?.name ?? v.volume,
                        target: v.target,
                    })),
                    uploads: c.uploads.map((u) => ({
                        file: u.file,
                        content: "secret" in u ? pulumi.secret(args.secrets[u.secret]) : u.content,
                        owner,
                        group,
                        permissions: u.permissions,
                    })),
                    memory: c.memoryMb,
                    memorySwap: c.memoryMb,
                    cpus: String(c.cpus),
                    ...(c.healthcheck
                        ? {
                              healthcheck: {
                                  tests: [...c.healthcheck],
                                  interval: "30s",
                                  timeout: "5s",
                                  retries: 3,
                                  startPeriod: "30s",
                              },
                          }
                        : {}),
                    restart: "unless-stopped",
                    logDriver: "json-file",
                    logOpts: { "max-size": "10m", "max-file": "3" },
                    labels: labels({ "phase-stacks/service": c.service }),
                },
                // Fixed names clash on create-before-delete, so replace by deleting first.
                {
                    parent: this,
                    deleteBeforeReplace: true,
                    dependsOn: c.dependsOn.flatMap((d) => created.get(d) ?? []),
                },
            );
            created.set(c.name, container);
        }
        this.containerNames = [...created.values()].map((c) => c.name);
        this.registerOutputs({ containerNames: this.containerNames });
    }
}
