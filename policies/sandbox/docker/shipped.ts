/**
 * Containers a server's user data starts, read into the shape of @pulumi/docker's ContainerArgs so that the
 * Docker rules judge them exactly as they judge a docker.Container: the services of every compose file shipped
 * in write_files, and the `docker run` of the warm-pool keeper (its variables filled from the keeper's env
 * file). Each comes with where it is and the compose or CLI name of each field, for messages.
 */
import type { CloudConfig } from "../../lib/cloudInit";
import { composeContainers } from "./composeContainers";
import { keeperContainers } from "./keeperContainers";
import type { ShippedContainer } from "./shippedContainer";

/** Every container the user data starts that the pack can read. */
export function shippedContainers(config: CloudConfig): ShippedContainer[] {
    return [...config.files.flatMap(composeContainers), ...keeperContainers(config)];
}
