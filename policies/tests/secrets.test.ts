import { SECRETS_TABLES } from "./tables/secrets";
import { runTable } from "./table";

for (const t of SECRETS_TABLES) runTable(t);
