/**
 * @pulumi/pulumi loads `typescript` and `@npmcli/arborist` when it is imported (about 0.65 s of a 2 s plan),
 * for closure serialization and for finding a package's dependencies, neither of which an offline plan does.
 * Each is put in the module cache as a proxy that loads the real module on first use, so nothing breaks if
 * the SDK ever needs it. Call before the SDK is imported.
 */
import Module, { createRequire } from "node:module";

const DEFERRED = ["typescript", "@npmcli/arborist"] as const;

function deferred(load: () => object): object {
    let real: object | undefined;
    const target = (): object => (real ??= load());
    return new Proxy(
        {},
        {
            // `__importStar` asks this first: answering without loading keeps the proxy as the binding.
            get: (_, key) =>
                key === "__esModule" && real === undefined ? true : (Reflect.get(target(), key) as unknown),
            has: (_, key) => Reflect.has(target(), key),
            ownKeys: () => Reflect.ownKeys(target()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(target(), key);
                return d && { ...d, configurable: true };
            },
        },
    );
}

export function deferUnusedSdkImports(): void {
    const sdk = createRequire(require.resolve("@pulumi/pulumi"));
    for (const id of DEFERRED) {
        const path = sdk.resolve(id);
        if (require.cache[path]) continue;
        const load = (): object => {
            delete require.cache[path];
            return sdk(id) as object;
        };
        const stub = new Module(path);
        stub.filename = path;
        stub.loaded = true;
        stub.exports = deferred(load);
        require.cache[path] = stub;
    }
}
