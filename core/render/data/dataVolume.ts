/**
 * The Postgres data volume's /etc/fstab line. Not cloud-init's `mounts:`: it drops entries whose device is not
 * attached yet, and a Hetzner Volume may attach after first boot has begun. systemd waits for the device instead.
 */
import type { RenderedFile } from "../base/artifact";

/** Hetzner formats the Volume (ext4) when it is created; `nofail` lets the host boot without it. */
const VOLUME_MOUNT_OPTIONS = "defaults,discard,nofail,x-systemd.device-timeout=300s";

export function renderVolumeMount(device: string, mountPoint: string): RenderedFile {
    if (!/^\/dev\/\S+$/.test(device))
        throw new Error(
            `volume device '${device}' must be a /dev path without spaces (e.g. /dev/disk/by-id/scsi-0HC_Volume_12345)`,
        );
    if (!/^\/\S+[^/]$/.test(mountPoint))
        throw new Error(
            `volume mount point '${mountPoint}' must be an absolute path without spaces or trailing slash`,
        );
    return {
        path: "/etc/fstab",
        content: `# phase-stacks: Postgres data volume\n${device} ${mountPoint} ext4 ${VOLUME_MOUNT_OPTIONS} 0 2\n`,
        kind: "fstab",
        permissions: "0644",
        append: true,
    };
}
