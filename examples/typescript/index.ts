// The program as `pulumi up` runs it (runtime nodejs): the stack's outputs are fleet()'s.
import { fleet } from "./program";

export = fleet;
