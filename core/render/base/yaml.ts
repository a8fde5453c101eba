/** YAML output every consumer reads the same way. */
import { stringify } from "yaml";

/**
 * PyYAML (cloud-init, docker-compose 1.29) and go-yaml v2 (Prometheus) resolve YAML 1.1 scalars, where `yes`,
 * `on` and `22:22` (base 60) are not strings: serializing as 1.1 quotes them. No anchors or aliases, no folding.
 */
export function toYaml(value: unknown): string {
    return stringify(value, { version: "1.1", aliasDuplicateObjects: false, lineWidth: 0 });
}
