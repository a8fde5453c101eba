import { CONSENSUS_TABLES } from "./tables/consensus";
import { NETWORK_TABLES } from "./tables/network";
import { runTable } from "./table";

for (const t of [...NETWORK_TABLES, ...CONSENSUS_TABLES]) runTable(t);
