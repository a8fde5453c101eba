/** The CrossGuard entry point: `pulumi preview --policy-pack policies`. Never import this from tests or tools. */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./all";

new PolicyPack("phase-stacks", {
    description:
        "phase-stacks guardrails: sandboxing, resource caps, network, data safety, edge and secrets.",
    displayName: "phase-stacks",
    tags: ["hetzner", "cloudflare", "docker", "kubernetes"],
    policies: [...policies],
});
