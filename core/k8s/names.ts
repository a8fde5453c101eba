/**
 * Kubernetes name syntax (apimachinery validation): a DNS-1123 label names namespaces and most objects, a
 * DNS-1123 subdomain names Secrets and cluster domains. One definition for every renderer that checks its input.
 */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const isDnsLabel = (s: string) => s.length <= 63 && DNS_LABEL.test(s);
export const isDnsSubdomain = (s: string) => s.length <= 253 && DNS_SUBDOMAIN.test(s);
