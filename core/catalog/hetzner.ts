/**
 * Hetzner Cloud catalog: server types, locations, load balancers and unit prices.
 *
 * Data only. Every price is net EUR per month (the monthly cap, excluding VAT) and carries the date it was
 * seen and where. Hetzner repriced on 2026-04-01 (existing servers) and 2026-06-15 (new orders), so
 * `basis` says how much to trust each figure: "quoted" (seen as a monthly price), "derived" (computed from
 * a quoted hourly rate or a quoted gross price) or "unverified" (list price not re-checked after the 2026
 * changes). Re-check with `GET /v1/pricing` before relying on a figure; `npm run plan` flags non-quoted lines.
 */

export type PriceBasis = "quoted" | "derived" | "unverified";

export interface Price {
    readonly monthlyEur: number;
    readonly basis: PriceBasis;
    /** Where the figure comes from. */
    readonly source: string;
    /** ISO date the figure was seen. */
    readonly seen: string;
}

export type NetworkZone = "eu-central" | "us-east" | "us-west" | "ap-southeast";

export interface Location {
    readonly city: string;
    readonly networkZone: NetworkZone;
}

/** Network zones from hetzner-k3s location validator; `hcloud.getLocation().networkZone` agrees at runtime. */
export const LOCATIONS = {
    fsn1: { city: "Falkenstein, DE", networkZone: "eu-central" },
    nbg1: { city: "Nuremberg, DE", networkZone: "eu-central" },
    hel1: { city: "Helsinki, FI", networkZone: "eu-central" },
    ash: { city: "Ashburn, VA, US", networkZone: "us-east" },
    hil: { city: "Hillsboro, OR, US", networkZone: "us-west" },
    sin: { city: "Singapore", networkZone: "ap-southeast" },
} as const satisfies Record<string, Location>;

export type LocationName = keyof typeof LOCATIONS;
export const LOCATION_NAMES = Object.keys(LOCATIONS) as LocationName[];

const EU: readonly LocationName[] = ["fsn1", "nbg1", "hel1"];
const ALL: readonly LocationName[] = LOCATION_NAMES;

export interface ServerType {
    readonly line: "cx" | "cpx" | "cax" | "ccx";
    readonly arch: "x86" | "arm";
    readonly vcpus: number;
    readonly memoryGb: number;
    readonly diskGb: number;
    /** Dedicated vCPUs (CCX) rather than shared. */
    readonly dedicated: boolean;
    /** Locations where the type is sold; capacity is still checked at deploy time. */
    readonly locations: readonly LocationName[];
    readonly price: Price;
}

const VDHOME = "docs.vdhome.be cost page (after the 2026-04 increase)";
const DEVANTLER = "Hetzner pricing API, fsn1 (devantler-tech/platform commit cb791c6)";
const DERHUERST = "derhuerst gist, gross incl. 19% VAT, divided by 1.19";
const LIST_2025 = "Hetzner price list 2025, not re-checked after the 2026 repricing";
const CNAP = "docs.cnap.tech hourly rate x 590 h (the cx33 hourly/monthly ratio)";

function server(
    line: ServerType["line"],
    vcpus: number,
    memoryGb: number,
    diskGb: number,
    locations: readonly LocationName[],
    price: Price,
): ServerType {
    return {
        line,
        arch: line === "cax" ? "arm" : "x86",
        vcpus,
        memoryGb,
        diskGb,
        dedicated: line === "ccx",
        locations,
        price,
    };
}

/**
 * Server types that can be ordered. The Gen2 cx22/cx32/cx42/cx52 line is deprecated and cannot be ordered
 * (kops PR #17917, 2026-02-02): cx32 maps to cx33 (kube-hetzner PR #1991).
 */
export const SERVER_TYPES = {
    cx23: server("cx", 2, 4, 40, EU, {
        monthlyEur: 3.99,
        basis: "quoted",
        source: VDHOME,
        seen: "2026-04-15",
    }),
    cx33: server("cx", 4, 8, 80, EU, {
        monthlyEur: 6.49,
        basis: "quoted",
        source: DEVANTLER,
        seen: "2026-05-27",
    }),
    cx43: server("cx", 8, 16, 160, EU, {
        monthlyEur: 12.39,
        basis: "derived",
        source: CNAP,
        seen: "2026-05-01",
    }),
    cx53: server("cx", 16, 32, 320, EU, {
        monthlyEur: 21.24,
        basis: "derived",
        source: CNAP,
        seen: "2026-04-15",
    }),
    cpx12: server("cpx", 1, 2, 40, ALL, {
        monthlyEur: 4.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    cpx22: server("cpx", 2, 4, 80, ALL, {
        monthlyEur: 5.99,
        basis: "derived",
        source: DERHUERST,
        seen: "2025-10-21",
    }),
    cpx32: server("cpx", 4, 8, 160, ALL, {
        monthlyEur: 10.49,
        basis: "derived",
        source: DERHUERST,
        seen: "2025-10-21",
    }),
    cpx42: server("cpx", 8, 16, 320, ALL, {
        monthlyEur: 19.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    cpx52: server("cpx", 12, 24, 480, ALL, {
        monthlyEur: 28.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    cax11: server("cax", 2, 4, 40, EU, {
        monthlyEur: 3.79,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    cax21: server("cax", 4, 8, 80, EU, {
        monthlyEur: 6.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    cax31: server("cax", 8, 16, 160, EU, {
        monthlyEur: 12.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    cax41: server("cax", 16, 32, 320, EU, {
        monthlyEur: 24.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    ccx13: server("ccx", 2, 8, 80, ALL, {
        monthlyEur: 12.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    ccx23: server("ccx", 4, 16, 160, ALL, {
        monthlyEur: 24.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    ccx33: server("ccx", 8, 32, 240, ALL, {
        monthlyEur: 48.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
    ccx43: server("ccx", 16, 64, 360, ALL, {
        monthlyEur: 96.49,
        basis: "unverified",
        source: LIST_2025,
        seen: "2025-10-21",
    }),
} as const satisfies Record<string, ServerType>;

export type ServerTypeName = keyof typeof SERVER_TYPES;
export const SERVER_TYPE_NAMES = Object.keys(SERVER_TYPES) as ServerTypeName[];

export interface LoadBalancerType {
    readonly maxTargets: number;
    readonly maxServices: number;
    readonly price: Price;
}

export const LOAD_BALANCER_TYPES = {
    lb11: {
        maxTargets: 25,
        maxServices: 5,
        price: {
            monthlyEur: 5.49,
            basis: "quoted",
            source: "hetzner-k3s README, December 2025 pricing",
            seen: "2025-12-01",
        },
    },
    lb21: {
        maxTargets: 75,
        maxServices: 15,
        price: { monthlyEur: 16.4, basis: "unverified", source: LIST_2025, seen: "2025-10-21" },
    },
    lb31: {
        maxTargets: 150,
        maxServices: 30,
        price: { monthlyEur: 32.9, basis: "unverified", source: LIST_2025, seen: "2025-10-21" },
    },
} as const satisfies Record<string, LoadBalancerType>;

export type LoadBalancerTypeName = keyof typeof LOAD_BALANCER_TYPES;

/** The smallest Hetzner volume (and CSI claim), GB; volumes come in whole GB. */
export const VOLUME_MIN_GB = 10;

/** Unit prices for everything that is not a server or a load balancer. */
export const UNIT_PRICES = {
    volumePerGb: { monthlyEur: 0.0572, basis: "quoted", source: DEVANTLER, seen: "2026-05-27" },
    snapshotPerGb: {
        monthlyEur: 0.01,
        basis: "quoted",
        source: "cloudtally.eu price summary",
        seen: "2026-05-28",
    },
    /** Hetzner server backups cost 20% of the server price (7 daily slots, volumes excluded). */
    backupShareOfServer: {
        monthlyEur: 0.2,
        basis: "quoted",
        source: "Hetzner Cloud docs, Backups",
        seen: "2025-11-30",
    },
    primaryIpv4: { monthlyEur: 0.5, basis: "unverified", source: LIST_2025, seen: "2025-10-21" },
    /** Traffic beyond the included volume, per TB, EU locations. */
    trafficPerTbEu: { monthlyEur: 1.0, basis: "unverified", source: LIST_2025, seen: "2025-10-21" },
    /** Hetzner Object Storage base price (includes 1 TB storage and 1 TB egress). */
    objectStorageBase: { monthlyEur: 4.99, basis: "unverified", source: LIST_2025, seen: "2025-10-21" },
} as const satisfies Record<string, Price>;

/** Hard limits of the platform that the program designs around. */
export const LIMITS = {
    userDataBytes: 32 * 1024,
    serversPerNetwork: 100,
    serversPerPlacementGroup: 10,
    placementGroupsPerProject: 50,
    firewallRules: 50,
} as const;
