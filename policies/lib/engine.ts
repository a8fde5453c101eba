/**
 * The two @pulumi/policy runtime exports the analyzer uses for preview unknowns. Their declarations are stripped
 * from the published .d.ts (`@internal`), so they are typed here once. They come from the dependency-free proxy
 * module: the package root loads the gRPC server and @pulumi/pulumi, which would cost every CLI run a second.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtime = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy: <T extends object>(props: T) => T;
    UnknownValueError: new (...args: never[]) => Error;
};

export const unknownCheckingProxy = runtime.unknownCheckingProxy;
export const UnknownValueError = runtime.UnknownValueError;

/** What a string input that is unknown during preview deserializes to (the engine's unknown sentinel). */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
