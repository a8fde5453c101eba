import { describe, expect, it } from "vitest";
import { scanText } from "../secrets/detect";
import { SECRETS_TABLES } from "./tables/secrets";
import { runTable } from "./table";

for (const t of SECRETS_TABLES) runTable(t);

describe("secret detection on real user data", () => {
    it("a Hetzner volume's by-id device path (an 8-digit id) is not a secret", () => {
        expect(
            scanText("/dev/disk/by-id/scsi-0HC_Volume_31415926 /mnt/postgres ext4 defaults,nofail 0 2\n"),
        ).toEqual([]);
    });

    it("a random token in a path outside /dev still is", () => {
        expect(scanText("/srv/Xk9vQ2mLp7RtZ4wYb8NcJ3hF6sDa/file\n").map((h) => h.kind)).toEqual([
            "high-entropy string",
        ]);
    });
});
