import { DATA_PORT_TABLES } from "./tables/dataPorts";
import { runTable } from "./table";

for (const t of DATA_PORT_TABLES) runTable(t);
