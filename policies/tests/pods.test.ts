import { POD_TABLES } from "./tables/pods";
import { runTable } from "./table";

for (const t of POD_TABLES) runTable(t);
