/** A container user data starts, read into ContainerArgs' shape, with where it is and its source's field names. */
import type { Json } from "../../lib/read";

export interface ShippedContainer {
    /** e.g. "write_files[3] (/opt/phase-stacks/compose.yaml) services.proxy". */
    readonly where: string;
    /** The compose service's name; undefined for the keeper's docker run. */
    readonly service?: string;
    /** What the container's props are read from: equal sources, equal props (a key for remembering verdicts). */
    readonly source: string;
    /** ContainerArgs-shaped props. */
    readonly props: Json;
    /** The source's name for a ContainerArgs field (readOnly -> read_only or --read-only). */
    readonly fieldName: (field: string) => string;
}
