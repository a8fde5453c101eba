import { DATA_TABLES } from "./tables/data";
import { runTable } from "./table";

for (const t of DATA_TABLES) runTable(t);
