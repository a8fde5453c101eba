/** Every Docker container sandboxing policy, in CIS order, then the same rules over user-data containers. */
import {
    dockerNoRuntimeSocket,
    dockerNoSensitiveMounts,
    dockerNoSharedPropagation,
    dockerReadOnlyRoot,
} from "./filesystem";
import {
    dockerAppArmorNotDisabled,
    dockerMaskedPaths,
    dockerSafeSysctls,
    dockerSeccompNotDisabled,
    dockerSeLinuxNotDisabled,
} from "./lsm";
import { dockerUserDataContainers } from "./userData";
import { dockerNoHostIpc, dockerNoHostNetwork, dockerNoHostPid, dockerNoHostUserns } from "./namespaces";
import { dockerNoPrivilegedPorts, dockerPortsBound } from "./ports";
import {
    dockerCapabilitiesDropped,
    dockerNoHostDevices,
    dockerNonRootUser,
    dockerNoNewPrivileges,
    dockerNotPrivileged,
} from "./privileges";
import {
    dockerHealthcheck,
    dockerImagePinned,
    dockerNotDefaultBridge,
    dockerRestartRetries,
} from "./runtime";

const DOCKER_RULES = [
    dockerNonRootUser,
    dockerAppArmorNotDisabled,
    dockerSeLinuxNotDisabled,
    dockerCapabilitiesDropped,
    dockerNotPrivileged,
    dockerNoSensitiveMounts,
    dockerNoPrivilegedPorts,
    dockerNoHostNetwork,
    dockerReadOnlyRoot,
    dockerPortsBound,
    dockerRestartRetries,
    dockerNoHostPid,
    dockerNoHostIpc,
    dockerNoHostDevices,
    dockerNoSharedPropagation,
    dockerSeccompNotDisabled,
    dockerNoNewPrivileges,
    dockerHealthcheck,
    dockerImagePinned,
    dockerNotDefaultBridge,
    dockerNoHostUserns,
    dockerNoRuntimeSocket,
    dockerMaskedPaths,
    dockerSafeSysctls,
];

export const DOCKER_SANDBOX_POLICIES = [...DOCKER_RULES, ...dockerUserDataContainers(DOCKER_RULES)];
