/**
 * Container image references, as Docker and the kubelet read them: `[registry[:port]/]path[:tag][@digest]`. The
 * tag is whatever follows the last `:` of the last path segment (so `registry:5000/app` has a port, not a tag),
 * the digest whatever follows `@`. Shared by `docker-image-pinned` (digest only, CIS Docker 5.28) and
 * `k8s-image-pinned` (a tag other than latest, or a digest: Checkov CKV_K8S_14).
 */

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageRef {
    /** The tag, or undefined when the reference names none (the runtime then pulls `latest`). */
    readonly tag: string | undefined;
    /** The digest after `@` (or the whole reference when it is a bare image id), if well-formed. */
    readonly digest: string | undefined;
}

export function parseImage(image: string): ImageRef {
    if (DIGEST.test(image)) return { tag: undefined, digest: image };
    const at = image.lastIndexOf("@");
    const name = at < 0 ? image : image.slice(0, at);
    const digest = at < 0 ? undefined : image.slice(at + 1);
    const lastSegment = name.slice(name.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    return {
        tag: colon < 0 ? undefined : lastSegment.slice(colon + 1),
        digest: digest !== undefined && DIGEST.test(digest) ? digest : undefined,
    };
}

/** Pinned by content: `name@sha256:<64 hex>` or a bare image id `sha256:<64 hex>`. */
export function isDigestPinned(image: string): boolean {
    return parseImage(image).digest !== undefined;
}

/**
 * Why an image reference is not pinned, as a phrase for "is not pinned: ...", or undefined when it names a
 * well-formed digest or a tag other than `latest` (compared case-insensitively: `LATEST` moves just the same).
 */
export function unpinnedReason(image: string): string | undefined {
    const ref = parseImage(image);
    if (ref.digest !== undefined) return undefined;
    if (image.includes("@")) return "its digest is not sha256:<64 hex>";
    if (ref.tag === undefined) return "it names no tag, so the runtime pulls latest";
    if (ref.tag === "") return "its tag is empty";
    if (ref.tag.toLowerCase() === "latest") return "latest is a moving tag";
    return undefined;
}
