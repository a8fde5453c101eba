import { DOCKER_TABLES } from "./tables/docker";
import { USER_DATA_CONTAINER_TABLES } from "./tables/userDataContainers";
import { runTable } from "./table";

for (const t of DOCKER_TABLES) runTable(t);
for (const t of USER_DATA_CONTAINER_TABLES) runTable(t);
