// The program run under the real engine through the Automation API's inline program: this
// Node process serves the language runtime itself (no Node.js language host needed).
//   node bin/automation.js up|preview|refresh|destroy
// Reads PARTNERFLEET_ENDPOINT, PARTNERFLEET_API_KEY, SEATS and STACK from the environment;
// prints one JSON line: the operation's change summary and the stack's outputs.
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { fleet } from "./program";

async function main(operation: string) {
    const stack = await LocalWorkspace.createOrSelectStack({
        stackName: process.env.STACK ?? "dev",
        projectName: "partnerfleet-typescript",
        program: async () => fleet(),
    });
    await stack.setConfig("partnerfleet:endpoint", { value: process.env.PARTNERFLEET_ENDPOINT ?? "" });
    await stack.setConfig("partnerfleet:apiKey", {
        value: process.env.PARTNERFLEET_API_KEY ?? "",
        secret: true,
    });
    if (process.env.SEATS) {
        await stack.setConfig("seats", { value: process.env.SEATS });
    }
    let changes: Record<string, number> | undefined;
    if (operation === "up") {
        changes = (await stack.up()).summary.resourceChanges;
    } else if (operation === "preview") {
        changes = (await stack.preview()).changeSummary;
    } else if (operation === "refresh") {
        changes = (await stack.refresh()).summary.resourceChanges;
    } else if (operation === "destroy") {
        changes = (await stack.destroy()).summary.resourceChanges;
    } else {
        throw new Error(`unknown operation ${operation}`);
    }
    const outputs = await stack.outputs();
    const plain: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(outputs)) {
        plain[name] = output.secret ? "[secret]" : output.value;
    }
    console.log(JSON.stringify({ changes, outputs: plain }));
}

main(process.argv[2] ?? "preview").catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
