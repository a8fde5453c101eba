/**
 * Monthly cost of a set of resources, from the catalog. Works on plain `{type, name, props}` records so the
 * offline plan and the policy pack's budget policy price the same thing the same way.
 */
import { LOAD_BALANCER_TYPES, SERVER_TYPES, UNIT_PRICES, type PriceBasis } from "../catalog/hetzner";

export interface PricedResource {
    readonly type: string;
    readonly name: string;
    readonly props: Readonly<Record<string, unknown>>;
}

export interface CostLine {
    readonly resource: string;
    readonly item: string;
    readonly quantity: number;
    readonly unitEur: number;
    readonly monthlyEur: number;
    readonly basis: PriceBasis;
}

export interface CostReport {
    readonly lines: CostLine[];
    readonly monthlyEur: number;
    /** Names of server or LB types the catalog does not know: priced at 0, reported so nobody trusts 0. */
    readonly unpriced: string[];
}

const SERVER = "hcloud:index/server:Server";
const VOLUME = "hcloud:index/volume:Volume";
const LOAD_BALANCER = "hcloud:index/loadBalancer:LoadBalancer";
const PRIMARY_IP = "hcloud:index/primaryIp:PrimaryIp";

/** Cost items that are not Pulumi resources (external services the stack uses), declared by the stack. */
export interface ExternalCost {
    readonly item: string;
    readonly monthlyEur: number;
    readonly basis: PriceBasis;
}

export function round2(n: number): number {
    return Math.round(n * 100) / 100;
}

function line(
    resource: string,
    item: string,
    quantity: number,
    unitEur: number,
    basis: PriceBasis,
): CostLine {
    return { resource, item, quantity, unitEur, monthlyEur: round2(quantity * unitEur), basis };
}

function serverLines(r: PricedResource, unpriced: string[]): CostLine[] {
    const typeName = String(r.props["serverType"]);
    const type = (
        SERVER_TYPES as Record<string, (typeof SERVER_TYPES)[keyof typeof SERVER_TYPES] | undefined>
    )[typeName];
    if (!type) {
        unpriced.push(typeName);
        return [];
    }
    const lines = [line(r.name, `server ${typeName}`, 1, type.price.monthlyEur, type.price.basis)];
    if (r.props["backups"] === true) {
        const share = UNIT_PRICES.backupShareOfServer;
        lines.push(
            line(
                r.name,
                `backups (20% of ${typeName})`,
                1,
                round2(type.price.monthlyEur * share.monthlyEur),
                share.basis,
            ),
        );
    }
    // A server that attaches its own PrimaryIp resource is billed through that resource instead.
    const publicNets = r.props["publicNets"] as { ipv4Enabled?: boolean; ipv4?: unknown }[] | undefined;
    const ipv4 =
        publicNets === undefined || publicNets.some((n) => n.ipv4Enabled !== false && n.ipv4 === undefined);
    if (ipv4)
        lines.push(
            line(
                r.name,
                "primary IPv4",
                1,
                UNIT_PRICES.primaryIpv4.monthlyEur,
                UNIT_PRICES.primaryIpv4.basis,
            ),
        );
    return lines;
}

export function priceResources(
    resources: readonly PricedResource[],
    external: readonly ExternalCost[] = [],
): CostReport {
    const lines: CostLine[] = [];
    const unpriced: string[] = [];
    for (const r of resources) {
        switch (r.type) {
            case SERVER:
                lines.push(...serverLines(r, unpriced));
                break;
            case VOLUME: {
                const size = Number(r.props["size"] ?? 0);
                const unit = UNIT_PRICES.volumePerGb;
                lines.push(line(r.name, `volume ${size} GB`, size, unit.monthlyEur, unit.basis));
                break;
            }
            case LOAD_BALANCER: {
                const typeName = String(r.props["loadBalancerType"]);
                const lb = (
                    LOAD_BALANCER_TYPES as Record<
                        string,
                        (typeof LOAD_BALANCER_TYPES)[keyof typeof LOAD_BALANCER_TYPES] | undefined
                    >
                )[typeName];
                if (lb)
                    lines.push(
                        line(r.name, `load balancer ${typeName}`, 1, lb.price.monthlyEur, lb.price.basis),
                    );
                else unpriced.push(typeName);
                break;
            }
            case PRIMARY_IP:
                if (r.props["type"] === "ipv4") {
                    const unit = UNIT_PRICES.primaryIpv4;
                    lines.push(line(r.name, "primary IPv4", 1, unit.monthlyEur, unit.basis));
                }
                break;
        }
    }
    for (const e of external) lines.push(line("external", e.item, 1, e.monthlyEur, e.basis));
    const monthlyEur = round2(lines.reduce((sum, l) => sum + l.monthlyEur, 0));
    return { lines, monthlyEur, unpriced };
}
