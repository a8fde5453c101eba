import { EDGE_TABLES } from "./tables/edge";
import { runTable } from "./table";

for (const t of EDGE_TABLES) runTable(t);
