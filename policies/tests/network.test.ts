import { NETWORK_TABLES } from "./tables/network";
import { runTable } from "./table";

for (const t of NETWORK_TABLES) runTable(t);
