/** Advisory CIS Docker items about how a container is run: 5.15, 5.27, 5.28, 5.30. */
import { isDigestPinned } from "../../lib/images";
import { at, list, num, records, str, strings } from "../../lib/read";
import { dockerPolicy, NO_CONFIG } from "./define";

export const dockerRestartRetries = dockerPolicy({
    name: "docker-restart-retries",
    description: 'A Docker container restarted "on-failure" must cap retries at 5.',
    item: { cis: "5.15" },
    severity: "low",
    level: "advisory",
    remediation: 'Set maxRetryCount between 1 and 5 with restart: "on-failure", or use "unless-stopped".',
    config: NO_CONFIG,
    judge: (props) => {
        if (str(props["restart"]) !== "on-failure") return [];
        const max = num(props["maxRetryCount"]) ?? 0;
        return max >= 1 && max <= 5
            ? []
            : [
                  {
                      field: "maxRetryCount",
                      problem: max === 0 ? "is not set, so restarts are unlimited" : `is ${max}, above 5`,
                      fix: "set maxRetryCount to at most 5",
                  },
              ];
    },
});

export const dockerHealthcheck = dockerPolicy({
    name: "docker-healthcheck",
    description: "Docker containers should declare a health check so failures are detected at runtime.",
    item: { cis: "5.27" },
    severity: "low",
    level: "advisory",
    remediation: 'Set healthcheck: {tests: ["CMD", ...], interval, timeout, retries}.',
    config: NO_CONFIG,
    judge: (props) => {
        const tests = strings(at(props, "healthcheck", "tests"));
        if (tests.length > 0 && tests[0]?.toUpperCase() !== "NONE") return [];
        return [
            {
                field: "healthcheck.tests",
                problem: tests.length ? "disables the image's health check" : "is not set",
                fix: "declare a health check command",
            },
        ];
    },
});

export const dockerImagePinned = dockerPolicy({
    name: "docker-image-pinned",
    description:
        "Docker containers should run an image pinned by digest, so every deploy runs the same bytes.",
    item: { cis: "5.28" },
    severity: "low",
    level: "advisory",
    remediation:
        "Use a docker.RemoteImage and pass its repoDigest (name@sha256:...) or imageId as the container image.",
    config: NO_CONFIG,
    judge: (props) => {
        const image = str(props["image"]) ?? "";
        return isDigestPinned(image)
            ? []
            : [
                  {
                      field: "image",
                      problem: `"${image}" is not pinned by digest`,
                      fix: "reference the image by digest",
                  },
              ];
    },
});

export const dockerNotDefaultBridge = dockerPolicy({
    name: "docker-not-default-bridge",
    description:
        "Docker containers should join a user-defined network instead of the default docker0 bridge.",
    item: { cis: "5.30" },
    severity: "low",
    level: "advisory",
    remediation: "Create a docker.Network (internal: true where possible) and attach with networksAdvanced.",
    config: NO_CONFIG,
    judge: (props) => {
        const mode = (str(props["networkMode"]) ?? "").trim().toLowerCase();
        const joined =
            list(props["networksAdvanced"]).length > 0 || records(props["networksAdvanced"]).length > 0;
        const defaultBridge = mode === "" || mode === "bridge" || mode === "default";
        return defaultBridge && !joined
            ? [
                  {
                      field: "networksAdvanced",
                      problem:
                          "is empty, so the container sits on the default bridge with every other container",
                      fix: "attach a user-defined docker.Network",
                  },
              ]
            : [];
    },
});
