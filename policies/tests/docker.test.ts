import { DOCKER_TABLES } from "./tables/docker";
import { runTable } from "./table";

for (const t of DOCKER_TABLES) runTable(t);
