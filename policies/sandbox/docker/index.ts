/** Every Docker container sandboxing policy, in CIS order. */
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

export const DOCKER_SANDBOX_POLICIES = [
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
