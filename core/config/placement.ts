/**
 * Where servers may run: a location's fallbacks must share its network zone (a private network cannot span
 * zones), and every server type must be sold in one of the locations tried. Phases 1-3 and 5 check their
 * one placement, phase 4 each region's.
 */
import { LOCATIONS, SERVER_TYPES, type LocationName } from "../catalog/hetzner";

export interface PlacementIssue {
    readonly path: (string | number)[];
    readonly message: string;
}

/** A server type and the config path that sets it. */
export interface PlacedType {
    readonly path: (string | number)[];
    readonly type: string;
}

export function placementIssues(
    at: (string | number)[],
    location: LocationName,
    fallbackLocations: readonly LocationName[],
    types: readonly PlacedType[],
): PlacementIssue[] {
    const issues: PlacementIssue[] = [];
    const zone = LOCATIONS[location].networkZone;
    fallbackLocations.forEach((l, i) => {
        if (LOCATIONS[l].networkZone !== zone)
            issues.push({
                path: [...at, "fallbackLocations", i],
                message: `is outside ${location}'s network zone ${zone}; private networks cannot span zones`,
            });
    });
    const where = [location, ...fallbackLocations];
    for (const { path, type } of types) {
        const sold = SERVER_TYPES[type as keyof typeof SERVER_TYPES]?.locations;
        if (sold && !where.some((l) => sold.includes(l)))
            issues.push({
                path,
                message: `is not sold in ${where.join(", ")}; it is sold in ${sold.join(", ")}`,
            });
    }
    return issues;
}
