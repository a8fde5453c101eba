import { CAPS_TABLES } from "./tables/caps";
import { runTable } from "./table";

for (const t of CAPS_TABLES) runTable(t);
