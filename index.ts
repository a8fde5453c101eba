// Pulumi's entry point: the program validates config and builds the stack's phase (stacks/index.ts).
import { main } from "./stacks";

export = main;
