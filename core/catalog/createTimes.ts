/**
 * Estimated create times per resource type, in seconds, for the offline plan's critical path.
 *
 * Rough medians seen when creating these resources (Hetzner documents ~30 s for a server, the ClawHQ seed
 * quotes ~2 min for a new node including boot). Components take no time of their own.
 */
export const CREATE_SECONDS: Readonly<Record<string, number>> = {
    "hcloud:index/server:Server": 45,
    "hcloud:index/volume:Volume": 10,
    "hcloud:index/volumeAttachment:VolumeAttachment": 8,
    "hcloud:index/firewall:Firewall": 3,
    "hcloud:index/firewallAttachment:FirewallAttachment": 3,
    "hcloud:index/sshKey:SshKey": 2,
    "hcloud:index/network:Network": 3,
    "hcloud:index/networkSubnet:NetworkSubnet": 3,
    "hcloud:index/placementGroup:PlacementGroup": 2,
    "hcloud:index/primaryIp:PrimaryIp": 3,
    "hcloud:index/loadBalancer:LoadBalancer": 30,
    "hcloud:index/loadBalancerService:LoadBalancerService": 5,
    "hcloud:index/loadBalancerTarget:LoadBalancerTarget": 5,
    "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork": 5,
    "cloudflare:index/dnsRecord:DnsRecord": 3,
    "cloudflare:index/zoneSetting:ZoneSetting": 2,
    "cloudflare:index/ruleset:Ruleset": 4,
    "cloudflare:index/originCaCertificate:OriginCaCertificate": 5,
    "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor": 3,
    "cloudflare:index/loadBalancerPool:LoadBalancerPool": 3,
    "cloudflare:index/loadBalancer:LoadBalancer": 5,
    "tls:index/privateKey:PrivateKey": 1,
    "tls:index/certRequest:CertRequest": 1,
    "tls:index/selfSignedCert:SelfSignedCert": 1,
    "tls:index/locallySignedCert:LocallySignedCert": 1,
    "random:index/randomPassword:RandomPassword": 0.1,
    "docker:index/remoteImage:RemoteImage": 30,
    "docker:index/container:Container": 8,
    "docker:index/network:Network": 2,
    "docker:index/volume:Volume": 1,
    // The k3s provider's readiness gate, after the servers exist: cloud-init's package upgrade (~60-90 s on
    // Ubuntu 24.04), the NIC wait, the k3s install (~20 s) and etcd's first election with the API's start.
    "pulumi:providers:kubernetes": 150,
    // The provider waits for a Deployment's rollout.
    "kubernetes:apps/v1:Deployment": 30,
};

/** Used for custom resource types the table does not list. */
export const DEFAULT_CREATE_SECONDS = 5;
