/** Every policy table, so the pack test can check that no policy goes untested. */
import type { PolicyTable } from "../table";
import { CAPS_TABLES } from "./caps";
import { CONSENSUS_TABLES } from "./consensus";
import { CROSS_REGION_TABLES } from "./crossRegion";
import { DATA_TABLES } from "./data";
import { DATA_PORT_TABLES } from "./dataPorts";
import { DOCKER_TABLES } from "./docker";
import { EDGE_TABLES } from "./edge";
import { NETWORK_TABLES } from "./network";
import { POD_TABLES } from "./pods";
import { SECRETS_TABLES } from "./secrets";
import { USER_DATA_CONTAINER_TABLES } from "./userDataContainers";

export const ALL_TABLES: readonly PolicyTable[] = [
    ...DOCKER_TABLES,
    ...USER_DATA_CONTAINER_TABLES,
    ...POD_TABLES,
    ...CAPS_TABLES,
    ...NETWORK_TABLES,
    ...CONSENSUS_TABLES,
    ...DATA_PORT_TABLES,
    ...CROSS_REGION_TABLES,
    ...DATA_TABLES,
    ...EDGE_TABLES,
    ...SECRETS_TABLES,
];
